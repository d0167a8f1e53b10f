"""The dashboard's logins: one-time login links, the sessions they are exchanged for,
and who a web caller is (their user id, language and roles).

Only the SHA-256 of a token is stored, so the table gives nobody a working link or
session (a token is 256 random bits: no one finds it from its hash). A client's address is
another matter, a small space: a login attempt keeps a keyed hash of it
(:func:`storage.keys.reference`). Every method runs inside the caller's unit of work (see
:mod:`storage.repository`); tokens are made by the caller.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from storage.keys import reference
from storage.models import Clock, User, WebAttempt, WebLogin, WebSession


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class WebUser:
    """Someone the dashboard knows: a user who agreed to the privacy statement."""

    user_id: int
    channel: str
    channel_user_id: str
    language: str
    roles: frozenset[str]


class WebStore:
    """Login links and sessions inside one unit of work."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def user(self, channel: str, channel_user_id: str) -> WebUser | None:
        """The consented user with this channel id, or None."""
        query = select(User).where(
            User.channel == channel,
            User.channel_user_id == channel_user_id,
            User.consent.is_(True),
        )
        found = self._session.scalars(query).one_or_none()
        return _web_user(found) if found is not None else None

    def user_by_id(self, user_id: int) -> WebUser | None:
        found = self._session.get(User, user_id)
        return _web_user(found) if found is not None and found.consent else None

    def add_login(self, user_id: int, token: str, expires_at: datetime) -> None:
        self._session.add(
            WebLogin(
                token_hash=token_hash(token),
                user_id=user_id,
                created_at=self._clock(),
                expires_at=expires_at,
            )
        )
        self._session.flush()

    def login_open(self, token: str, now: datetime) -> bool:
        """Whether the login link can still be used (unused and not expired)."""
        query = select(WebLogin.id).where(
            WebLogin.token_hash == token_hash(token),
            WebLogin.used_at.is_(None),
            WebLogin.expires_at > now,
        )
        return self._session.execute(query).first() is not None

    def redeem_login(self, token: str, now: datetime) -> int | None:
        """Spend a login link: its user's id, or None when it is unknown, used or expired.
        One UPDATE, so two requests racing with one link cannot both win."""
        statement = (
            update(WebLogin)
            .where(
                WebLogin.token_hash == token_hash(token),
                WebLogin.used_at.is_(None),
                WebLogin.expires_at > now,
            )
            .values(used_at=now)
            .returning(WebLogin.user_id)
        )
        return self._session.execute(statement).scalar_one_or_none()

    def add_session(self, user_id: int, token: str, expires_at: datetime) -> None:
        self._session.add(
            WebSession(
                token_hash=token_hash(token),
                user_id=user_id,
                created_at=self._clock(),
                expires_at=expires_at,
            )
        )
        self._session.flush()

    def session_user(self, token: str, now: datetime) -> int | None:
        """The user id of a session that has not expired, or None."""
        query = select(WebSession.user_id).where(
            WebSession.token_hash == token_hash(token), WebSession.expires_at > now
        )
        return self._session.execute(query).scalar_one_or_none()

    def end_session(self, token: str) -> bool:
        statement = (
            delete(WebSession)
            .where(WebSession.token_hash == token_hash(token))
            .returning(WebSession.id)
        )
        return bool(self._session.execute(statement).all())

    def attempt(
        self, client: str, now: datetime, window: timedelta, per_client: int, overall: int
    ) -> bool:
        """Count one login attempt of ``client`` (an address; stored as a keyed hash): False,
        and not counted, when it already made ``per_client`` within ``window``, or all
        clients together ``overall``. Older attempts are forgotten here.

        Shared by every process through the database. Two attempts at the same instant
        in two processes may both pass at the limit: one too many, never unlimited."""
        since = now - window
        self._session.execute(delete(WebAttempt).where(WebAttempt.at <= since))
        who = reference(self._session, self._clock, "address", client)
        mine = func.count().filter(WebAttempt.client_hash == who)
        query = select(mine, func.count()).where(WebAttempt.at > since)
        own, everyone = self._session.execute(query).one()
        if own >= per_client or everyone >= overall:
            return False
        self._session.add(WebAttempt(client_hash=who, at=now))
        self._session.flush()
        return True

    def menu_button_candidates(
        self, channel: str, admins: Collection[str]
    ) -> list[tuple[int, str, frozenset[str], str | None]]:
        """(user id, channel user id, roles, what their menu button opens) of every user
        who may need a menu button changed: those with a role, the ``admins`` (channel
        user ids), and those whose button was set to something."""
        query = select(User).where(
            User.channel == channel,
            User.consent.is_(True),
            User.blocked.is_(False),
            or_(
                User.roles != "",
                User.channel_user_id.in_(list(admins)),
                User.menu_button.is_not(None),
            ),
        )
        return [
            (u.id, u.channel_user_id, u.role_names, u.menu_button)
            for u in self._session.scalars(query)
        ]

    def record_menu_button(self, channel: str, channel_user_id: str, opens: str | None) -> None:
        """The chat's menu button now opens ``opens`` (None: Telegram's default)."""
        self._session.execute(
            update(User)
            .where(User.channel == channel, User.channel_user_id == channel_user_id)
            .values(menu_button=opens)
        )

    def purge(self, now: datetime) -> int:
        """Delete expired login links and sessions; how many."""
        gone = 0
        for model in (WebLogin, WebSession):
            statement = delete(model).where(model.expires_at <= now).returning(model.id)
            gone += len(self._session.execute(statement).all())
        return gone


def _web_user(user: User) -> WebUser:
    return WebUser(user.id, user.channel, user.channel_user_id, user.language, user.role_names)
