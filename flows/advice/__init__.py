"""The advice: the reminder of one's advice sent later."""
