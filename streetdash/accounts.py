"""Local accounts: who may sign in, with which role and scope, and the lock after wrong passwords.

The accounts live in one JSON file outside the repository and the warehouse (``$STREETDASH_ACCOUNTS``,
default ``~/.config/streetdash/accounts.json``), written with mode 600 by atomic replacement under a
file lock, so the command line (``python -m etl user ...``) and the app can both change it. Passwords
are kept only as argon2id hashes (argon2-cffi's ``PasswordHasher``); a sign-in with an unknown name
checks the password against a dummy hash, so it takes as long as one with a known name.

Plain Python, no Streamlit: the app (``streetdash.app.auth``) and the command line share it. The clock
is a parameter, so tests can move time forward to end a lock.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from filelock import FileLock

from streetdash.access import ROLES, Scope, check_role_scope, parse_scope
from streetdash.config import int_setting, setting, setting_number

MIN_PASSWORD = 8
MAX_NAME = 40
FORMAT_VERSION = 1

_hasher = PasswordHasher()
_dummy_hash: str | None = None


def _dummy() -> str:
    """A hash of no one's password, made once: what an unknown name's password is checked against."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(os.urandom(16).hex())
    return _dummy_hash


def accounts_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path) if path else Path(setting("STREETDASH_ACCOUNTS")).expanduser()


@dataclass(frozen=True)
class Account:
    """One account as the file keeps it. ``password_hash`` never leaves this module's callers' hands
    in text: it is left out of ``repr``."""

    name: str
    role: str
    scope_text: str  # the scope as written (streetdash.access.parse_scope)
    email: str = ""
    disabled: bool = False
    failed: int = 0  # wrong passwords in a row
    locked_until: float | None = None  # epoch seconds
    created_at: str = ""
    changed_at: str = ""
    last_sign_in: str = ""
    password_hash: str = field(default="", repr=False)

    @property
    def scope(self) -> Scope:
        """The data this account may read: its written scope (an admin without one reads none)."""
        return parse_scope(self.scope_text)

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def locked(self, now: float) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def status(self, now: float) -> str:
        """正常 / 已停用 / 已锁定（至 …）, for lists."""
        if self.disabled:
            return "已停用"
        if self.locked(now):
            return f"已锁定（至 {dt.datetime.fromtimestamp(self.locked_until):%Y-%m-%d %H:%M}）"
        return "正常"

    def to_json(self) -> dict:
        return {
            "role": self.role,
            "scope": self.scope_text,
            "email": self.email,
            "disabled": self.disabled,
            "failed": self.failed,
            "locked_until": self.locked_until,
            "created_at": self.created_at,
            "changed_at": self.changed_at,
            "last_sign_in": self.last_sign_in,
            "password": self.password_hash,
        }

    @classmethod
    def from_json(cls, name: str, d: dict) -> Account:
        return cls(
            name=name,
            role=d.get("role", ""),
            scope_text=d.get("scope", ""),
            email=d.get("email") or "",
            disabled=bool(d.get("disabled", False)),
            failed=int(d.get("failed", 0)),
            locked_until=d.get("locked_until"),
            created_at=d.get("created_at", ""),
            changed_at=d.get("changed_at", ""),
            last_sign_in=d.get("last_sign_in", ""),
            password_hash=d.get("password", ""),
        )


@dataclass(frozen=True)
class SignIn:
    """The outcome of a password check. ``reason``: ``ok``, ``wrong`` (unknown name or wrong password,
    told apart only here, for the audit trail), ``unknown``, ``locked``, ``disabled``, ``no_password``
    (an account made for single sign-on only)."""

    ok: bool
    reason: str
    account: Account | None = None
    locked_now: bool = False  # this attempt locked the account

    def message(self, lockout_minutes: float) -> str:
        """What the sign-in form says: the same sentence for an unknown name and a wrong password."""
        if self.ok:
            return "已登录。"
        if self.reason == "locked" and self.account is not None:
            until = dt.datetime.fromtimestamp(self.account.locked_until or 0)
            return f"密码连续输错次数过多，账号已锁定至 {until:%H:%M}，请稍后再试或联系管理员解锁。"
        if self.reason == "disabled":
            return "账号已停用，请联系管理员。"
        return "用户名或密码不正确。"


def check_name(name: str) -> str:
    """The name as stored (NFKC, trimmed); ``ValueError`` in Chinese if it cannot be an account name."""
    name = unicodedata.normalize("NFKC", name or "").strip()
    if not name:
        raise ValueError("用户名不能为空。")
    if len(name) > MAX_NAME:
        raise ValueError(f"用户名太长（{len(name)} 字），请不超过 {MAX_NAME} 字。")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in name):
        raise ValueError("用户名不能含空格或控制字符。")
    return name


def check_password(password: str, name: str = "") -> None:
    """``ValueError`` in Chinese if ``password`` is too weak to keep."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"密码至少 {MIN_PASSWORD} 位。")
    if name and password.strip().lower() == name.lower():
        raise ValueError("密码不能与用户名相同。")


def _stamp(now: float) -> str:
    return dt.datetime.fromtimestamp(now).isoformat(sep=" ", timespec="seconds")


class AccountStore:
    """The accounts file. Every change is read-modify-write under the file's lock; reads are of the
    last complete file (it is replaced whole, never written in place)."""

    def __init__(
        self,
        path: str | os.PathLike | None = None,
        *,
        clock: Callable[[], float] = time.time,
        max_failures: int | None = None,
        lockout_seconds: float | None = None,
    ) -> None:
        self.path = accounts_path(path)
        self.clock = clock
        self.max_failures = max_failures or int_setting("STREETDASH_LOGIN_ATTEMPTS")
        self.lockout_seconds = float(lockout_seconds or setting_number("STREETDASH_LOCKOUT_MINUTES") * 60)
        self._lock = FileLock(str(self.path) + ".lock")

    # Reading ------------------------------------------------------------------------------------

    def _read(self) -> dict[str, Account]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {name: Account.from_json(name, d) for name, d in raw.get("accounts", {}).items()}

    def accounts(self) -> list[Account]:
        """Every account, by name."""
        return sorted(self._read().values(), key=lambda a: a.name)

    def get(self, name: str) -> Account | None:
        try:
            return self._read().get(check_name(name))
        except ValueError:
            return None

    def find_identity(self, identity: str) -> Account | None:
        """The account a single sign-on identity (an e-mail address or a user name) belongs to: the one
        whose e-mail is it (case ignored), else the one named it."""
        identity = (identity or "").strip()
        if not identity:
            return None
        accounts = self._read()
        for account in accounts.values():
            if account.email and account.email.lower() == identity.lower():
                return account
        return accounts.get(identity)

    def has_admin(self) -> bool:
        """Whether an enabled administrator exists (until one does, the app serves no real warehouse)."""
        return any(a.role == "admin" and not a.disabled for a in self._read().values())

    # Writing ------------------------------------------------------------------------------------

    def _write(self, accounts: dict[str, Account]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        document = {
            "version": FORMAT_VERSION,
            "accounts": {name: a.to_json() for name, a in sorted(accounts.items())},
        }
        work = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(work, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(document, f, ensure_ascii=False, indent=2)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(work, 0o600)
            os.replace(work, self.path)
        finally:
            work.unlink(missing_ok=True)

    def _change(self, name: str, change: Callable[[Account], Account]) -> Account:
        name = check_name(name)
        with self._lock:
            accounts = self._read()
            if name not in accounts:
                raise KeyError(f"没有账号「{name}」。")
            accounts[name] = change(accounts[name])
            self._write(accounts)
            return accounts[name]

    def add(self, name: str, role: str, scope_text: str, password: str | None, email: str = "") -> Account:
        """A new account; ``ValueError`` in Chinese if the name is taken or the role, scope or password
        do not do. ``password=None`` makes an account that signs in only through single sign-on."""
        name = check_name(name)
        scope = parse_scope(scope_text)
        check_role_scope(role, scope)
        if password is not None:
            check_password(password, name)
        now = self.clock()
        account = Account(
            name=name,
            role=role,
            scope_text=scope.text(),
            email=(email or "").strip(),
            created_at=_stamp(now),
            changed_at=_stamp(now),
            password_hash=_hasher.hash(password) if password is not None else "",
        )
        with self._lock:
            accounts = self._read()
            if name in accounts:
                raise ValueError(f"账号「{name}」已存在。")
            if account.email and any(a.email.lower() == account.email.lower() for a in accounts.values()):
                raise ValueError(f"邮箱 {account.email} 已属于另一个账号。")
            accounts[name] = account
            self._write(accounts)
        return account

    def set_password(self, name: str, password: str) -> Account:
        """A new password (``user reset``); it also ends a lock."""
        check_password(password, check_name(name))
        digest = _hasher.hash(password)
        now = self.clock()
        return self._change(
            name, lambda a: replace(a, password_hash=digest, failed=0, locked_until=None, changed_at=_stamp(now))
        )

    def set_disabled(self, name: str, disabled: bool) -> Account:
        """Disable or enable an account; the last enabled administrator cannot be disabled (nobody could
        then manage accounts from the app)."""
        now = self.clock()

        def change(account: Account) -> Account:
            others = [a for a in self._read().values() if a.role == "admin" and not a.disabled and a.name != name]
            if disabled and account.role == "admin" and not account.disabled and not others:
                raise ValueError(f"「{name}」是唯一可用的管理员账号，不能停用；请先另建一个管理员。")
            return replace(account, disabled=disabled, changed_at=_stamp(now))

        return self._change(name, change)

    def unlock(self, name: str) -> Account:
        now = self.clock()
        return self._change(name, lambda a: replace(a, failed=0, locked_until=None, changed_at=_stamp(now)))

    def set_role(self, name: str, role: str, scope_text: str) -> Account:
        scope = parse_scope(scope_text)
        check_role_scope(role, scope)
        now = self.clock()
        return self._change(name, lambda a: replace(a, role=role, scope_text=scope.text(), changed_at=_stamp(now)))

    # Signing in ---------------------------------------------------------------------------------

    def authenticate(self, name: str, password: str) -> SignIn:
        """Check a name and password, counting wrong ones towards the lock.

        Every path checks one argon2 hash (the account's, or a dummy one for an unknown name or an
        account without a password), so the time taken does not tell whether a name exists. A lock ends
        by itself after the configured time; the count starts again then.
        """
        try:
            name = check_name(name)
        except ValueError:
            name = ""
        with self._lock:
            accounts = self._read()
            account = accounts.get(name)
            digest = account.password_hash if account is not None and account.password_hash else _dummy()
            try:
                matches = _hasher.verify(digest, password or "")
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                matches = False
            if account is None:
                return SignIn(False, "unknown")
            if not account.password_hash:
                return SignIn(False, "no_password", account)
            now = self.clock()
            if account.locked(now):
                return SignIn(False, "locked", account)
            if account.locked_until is not None:  # the lock has run out: count afresh
                account = replace(account, failed=0, locked_until=None)
            if not matches:
                failed = account.failed + 1
                locked_now = failed >= self.max_failures
                account = replace(
                    account, failed=failed, locked_until=now + self.lockout_seconds if locked_now else None
                )
                accounts[name] = account
                self._write(accounts)
                return SignIn(False, "locked" if locked_now else "wrong", account, locked_now=locked_now)
            if account.disabled:
                return SignIn(False, "disabled", account)
            if _hasher.check_needs_rehash(account.password_hash):
                account = replace(account, password_hash=_hasher.hash(password))
            account = replace(account, failed=0, locked_until=None, last_sign_in=_stamp(now))
            accounts[name] = account
            self._write(accounts)
            return SignIn(True, "ok", account)

    def record_sign_in(self, name: str) -> None:
        """Note a single sign-on's time as the account's last sign-in."""
        now = self.clock()
        self._change(name, lambda a: replace(a, last_sign_in=_stamp(now)))
