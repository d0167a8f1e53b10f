"""Help and language: ``/help`` (the commands this user may use), ``/taal``, and the button
back to where the user was; answered everywhere, also before consent."""
