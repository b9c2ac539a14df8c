"""Sign-in, store health, agencies and users.

Part of :class:`review.services.core.ReviewService` (mixed in); each call takes the acting user
and checks permission itself.
"""

from __future__ import annotations

import secrets

from review import throttle
from review.auth import (
    RESERVED_USERNAMES,
    SYSTEM,
    Actor,
    account_key,
    check_display_name_distinct,
    check_not_lookalike,
    check_password_policy,
    hash_password,
    normalize_display_name,
    normalize_username,
    verify_password,
)
from review.errors import AuthenticationFailed, NotFound, PermissionDenied, ValidationFailed
from review.labels import AGENCY_KIND_ALIASES
from review.models import AGENCY_KINDS, ROLES
from review.services import health
from review.services.logic import new_id
from review.services.views import AgencyView, UserView
from review.storage import Record


class AccountsMixin:
    """Sign-in, store health, agencies and users."""

    def authenticate(self, username: str, password: str, client_id: str = "") -> Actor:
        """Check a password and return the Actor, or raise :class:`AuthenticationFailed` with a
        message that does not reveal whether the username exists or is deactivated.
        ``client_id`` is :func:`review.auth.client_key` of the request ("" when the address is
        not real); the throttle (:mod:`review.throttle`) checks and records atomically."""
        now_dt = self.clock()
        user_key = account_key(username)
        keys = [user_key]
        if client_id:
            keys.append(client_id if client_id.startswith("client:") else f"client:{client_id}")
        rec = self.repo.user(username.strip()) if username.strip() else None
        # a failed sign-in names the username only when that user exists: people type their
        # password into the username box, and the trail never holds a password
        who = rec["username"] if rec else ""

        def check() -> bool:
            ok = verify_password(password, rec.get("password") if rec else None)
            return ok and rec is not None and bool(rec.get("active", True))

        try:
            ok = throttle.checked(self.repo, keys, now_dt, check, clear=user_key)
        except AuthenticationFailed:
            self._audit(who, "sign_in_failed", detail="throttled")
            raise
        if not ok:
            detail = "unknown username" if rec is None else "wrong password or deactivated"
            self._audit(who, "sign_in_failed", detail=detail)
            raise AuthenticationFailed("wrong username or password")
        assert rec is not None
        self._audit(who, "sign_in", target=who)
        return self._actor_of(rec)

    def sign_out(self, actor: Actor) -> None:
        """Record a sign-out (the UI forgets the session itself)."""
        if isinstance(actor, Actor) and actor != SYSTEM:
            self._audit(actor.username, "sign_out", target=actor.username)

    def damaged_documents(self, actor: Actor) -> list[health.DamagedDocument]:
        """Admin only: the documents whose stored file cannot be read (quarantined)."""
        self._require_admin(actor)
        return health.damaged_documents(self.repo, self._agency_names())

    def recheck_document(self, actor: Actor, document_id: str) -> bool:
        """Admin only: read a quarantined document's file again; True when it is readable now."""
        self._require_admin(actor)
        return self.repo.recheck_document(document_id)

    def actor(self, username: str) -> Actor:
        """Re-load a signed-in user (e.g. at the start of each page run)."""
        return self._current(Actor(username, "", None))

    def create_agency(self, actor: Actor, name: str, kind: str) -> AgencyView:
        self._require_admin(actor)
        name = " ".join(name.split())
        if not name:
            raise ValidationFailed("an agency needs a name")
        if isinstance(kind, str):  # "specialized" (what users type) is stored as "specialised"
            kind = AGENCY_KIND_ALIASES.get(kind.strip().lower(), kind)
        if kind not in AGENCY_KINDS:
            raise ValidationFailed(f"an agency's kind is general or specialized, not {kind!r}")
        rec = {"id": new_id(), "name": name, "kind": kind, "created_at": self._now()}
        self.repo.add_agency(rec)
        self._audit(
            actor.username, "agency_create", agency_id=rec["id"], after={"name": name, "kind": kind}
        )
        return AgencyView(rec["id"], name, kind, rec["created_at"])

    def list_agencies(self, actor: Actor) -> list[AgencyView]:
        """Staff see every agency; an agency user sees only their own."""
        a = self._current(actor)
        rows = [
            AgencyView(r["id"], r["name"], r["kind"], r.get("created_at", ""))
            for r in self.repo.agencies()
        ]
        if a.role == "agency_user":
            rows = [r for r in rows if r.id == a.agency_id]
        return sorted(rows, key=lambda r: r.name.casefold())

    def find_agency(self, actor: Actor, id_or_name: str) -> AgencyView:
        """An agency by id or (case-insensitive) name."""
        for ag in self.list_agencies(actor):
            if ag.id == id_or_name or ag.name.casefold() == id_or_name.strip().casefold():
                return ag
        raise NotFound(f"no agency {id_or_name!r}")

    def create_user(
        self,
        actor: Actor,
        username: str,
        password: str,
        role: str,
        agency_id: str | None = None,
        display_name: str = "",
    ) -> UserView:
        """Admin only. Usernames are unique ignoring case; agency users need an agency, staff must
        not have one."""
        self._require_admin(actor)
        username = normalize_username(username)  # NFKC, ASCII only: no look-alike letters
        check_not_lookalike(username, [u["username"] for u in self.repo.users()])
        if username.casefold() in RESERVED_USERNAMES:
            raise ValidationFailed(f"the username {username!r} is reserved")
        if role not in ROLES:
            raise ValidationFailed(f"a role is one of {', '.join(ROLES)}, not {role!r}")
        if role == "agency_user":
            if not agency_id:
                raise ValidationFailed("an agency user needs an agency")
            self._agency(agency_id)
        elif agency_id:
            raise ValidationFailed(f"a {role} does not belong to an agency")
        check_password_policy(password)
        display_name = self._distinct_display_name(display_name, username)
        rec = {
            "username": username,
            "display_name": display_name,
            "role": role,
            "agency_id": agency_id if role == "agency_user" else None,
            "active": True,
            "password": hash_password(password),
            "created_at": self._now(),
        }
        self.repo.add_user(rec)
        self._audit(
            actor.username,
            "user_create",
            target=username,
            agency_id=rec["agency_id"] or "",
            after={"role": role, "agency_id": rec["agency_id"], "active": True},
        )
        return self._user_view(rec, self._agency_names())

    def _distinct_display_name(self, raw: str, username: str) -> str:
        """The display name ``username`` is to have (NFKC, single spaces; the username when
        empty), refused with a ValidationFailed when it holds an invisible or formatting
        character or looks like another account's: the audit trail and the reports name
        people by it, so no one may take a name that reads as someone else's."""
        name = normalize_display_name(raw) or username
        others = [
            (u["username"], u.get("display_name") or u["username"])
            for u in self.repo.users()
            if u["username"].casefold() != username.casefold()
        ]
        check_display_name_distinct(name, others)
        return name

    def set_display_name(self, actor: Actor, username: str, display_name: str) -> UserView:
        """Admin only: change the name a user is shown by (in lists, the audit trail, the
        reports), under the same rule as a new user's: no look-alike of another's name."""
        a = self._require_admin(actor)
        old = self.repo.user(username)
        if old is None:
            raise NotFound(f"no user named {username!r}")
        before = old.get("display_name") or old["username"]
        name = self._distinct_display_name(display_name, old["username"])
        if name != before:
            self.repo.update_user(old["username"], {"display_name": name})
            self._audit(
                a.username,
                "user_display_name",
                target=old["username"],
                agency_id=old.get("agency_id") or "",
                before={"display_name": before},
                after={"display_name": name},
            )
        return self._user_view({**old, "display_name": name}, self._agency_names())

    @staticmethod
    def _user_view(rec: Record, names: dict[str, str]) -> UserView:
        return UserView(
            username=rec["username"],
            display_name=rec.get("display_name", ""),
            role=rec["role"],
            agency_id=rec.get("agency_id"),
            agency_name=names.get(rec.get("agency_id") or "", ""),
            active=bool(rec.get("active", True)),
            created_at=rec.get("created_at", ""),
        )

    def list_users(self, actor: Actor) -> list[UserView]:
        self._require_admin(actor)
        names = self._agency_names()
        return sorted(
            (self._user_view(r, names) for r in self.repo.users()),
            key=lambda u: u.username.casefold(),
        )

    def has_users(self) -> bool:
        """Whether anyone can sign in yet (the demo seeds only an empty store). No actor needed."""
        return bool(self.repo.users())

    def set_user_active(self, actor: Actor, username: str, active: bool) -> None:
        a = self._require_admin(actor)
        if not active and username.casefold() == a.username.casefold():
            raise ValidationFailed("you cannot deactivate your own account")
        old = self.repo.user(username)
        if old is None:
            raise NotFound(f"no user named {username!r}")
        # deactivating the last active admin is refused in the same transaction as the write
        self.repo.update_user_keeping_an_admin(username, {"active": bool(active)})
        if not active:
            self._revoke_user_sessions(old["username"])
        self._audit(
            a.username,
            "user_active",
            target=old["username"],
            agency_id=old.get("agency_id") or "",
            before={"active": bool(old.get("active", True))},
            after={"active": bool(active)},
        )

    def set_role(
        self, actor: Actor, username: str, role: str, agency_id: str | None = None
    ) -> None:
        a = self._require_admin(actor)
        old = self.repo.user(username)
        if old is None:
            raise NotFound(f"no user named {username!r}")
        if role not in ROLES:
            raise ValidationFailed(f"a role is one of {', '.join(ROLES)}, not {role!r}")
        if role == "agency_user":
            if not agency_id:
                raise ValidationFailed("an agency user needs an agency")
            self._agency(agency_id)
        new = {"role": role, "agency_id": agency_id if role == "agency_user" else None}
        # demoting the last active admin (oneself included) is refused atomically
        self.repo.update_user_keeping_an_admin(username, new)
        self._revoke_user_sessions(old["username"])
        self._audit(
            a.username,
            "user_role",
            target=old["username"],
            agency_id=new["agency_id"] or old.get("agency_id") or "",
            before={"role": old.get("role"), "agency_id": old.get("agency_id")},
            after=new,
        )

    def set_password(
        self, actor: Actor, username: str, new_password: str, current_password: str | None = None
    ) -> None:
        """Admins reset anyone else's password; everyone (admins too) changes their own with the
        current one, so a session left open cannot be used to take the account over."""
        a = self._current(actor)
        own = a.username.casefold() == username.casefold() and a != SYSTEM
        if a.role != "admin" and not own:
            raise PermissionDenied("you can change only your own password")
        if own:
            rec = self.repo.user(username)
            key = account_key(username)
            if not throttle.checked(
                self.repo,
                [key],
                self.clock(),
                lambda: verify_password(
                    current_password or "", rec.get("password") if rec else None
                ),
                clear=key,
            ):
                raise AuthenticationFailed("the current password is wrong")
        check_password_policy(new_password)
        self.repo.update_user(username, {"password": hash_password(new_password)})
        self._revoke_user_sessions(username)
        # that it changed, never the password or its hash
        self._audit(a.username, "password_change" if own else "password_reset", target=username)

    def reset_password(self, actor: Actor, username: str) -> str:
        """Admin only: give another user a new random password (``secrets``), returned once to
        be handed over; it is stored only as a hash. Your own password is changed with the
        current one (:meth:`set_password`)."""
        a = self._require_admin(actor)
        if a.username.casefold() == username.casefold():
            raise ValidationFailed(
                "change your own password on the Account page (it asks for the current one)"
            )
        if self.repo.user(username) is None:
            raise NotFound(f"no user named {username!r}")
        new = secrets.token_urlsafe(12)  # 16 characters, ~72 bits
        check_password_policy(new)
        self.repo.update_user(username, {"password": hash_password(new)})
        self._revoke_user_sessions(username)
        self._audit(a.username, "password_reset", target=username, detail="random password")
        return new
