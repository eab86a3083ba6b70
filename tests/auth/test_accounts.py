"""The accounts file: argon2 hashes only, mode 600, the lock after wrong passwords and its end, disabled
accounts, and the same work for a name that does not exist."""

from __future__ import annotations

import json
import stat

import pytest

from streetdash import accounts as accounts_module
from streetdash.accounts import AccountStore

PASSWORD = "正确的密码-1234"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    s = AccountStore(tmp_path / "conf" / "accounts.json", clock=clock, max_failures=3, lockout_seconds=600)
    s.add("管理员", "admin", "", PASSWORD)
    s.add("崇北书记", "community", "崇文街道/崇北社区", PASSWORD, email="chongbei@example.gov.cn")
    return s


def test_the_file_keeps_hashes_only_and_is_private(store):
    text = store.path.read_text(encoding="utf-8")
    assert PASSWORD not in text
    kept = json.loads(text)["accounts"]["崇北书记"]
    assert kept["password"].startswith("$argon2id$") and kept["scope"] == "崇文街道/崇北社区"
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert PASSWORD not in repr(store.get("崇北书记"))


def test_a_right_password_signs_in_and_a_wrong_one_does_not(store):
    ok = store.authenticate("崇北书记", PASSWORD)
    assert ok.ok and ok.account.scope.communities == ("崇北社区",)
    wrong = store.authenticate("崇北书记", "不对的密码-0000")
    unknown = store.authenticate("没有这个人", PASSWORD)
    assert not wrong.ok and not unknown.ok
    # The form says the same for both, so it does not tell which names exist.
    assert wrong.message(10) == unknown.message(10) == "用户名或密码不正确。"


def test_an_unknown_name_checks_a_hash_as_a_known_one_does(store, monkeypatch):
    checked = []
    real = accounts_module._hasher

    class Spy:
        def verify(self, digest, password):
            checked.append(digest)
            return real.verify(digest, password)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(accounts_module, "_hasher", Spy())
    store.authenticate("没有这个人", "随便什么")
    store.authenticate("崇北书记", "不对的密码-0000")
    assert len(checked) == 2 and all(h.startswith("$argon2id$") for h in checked)


def test_wrong_passwords_lock_the_account_until_the_time_is_up(store, clock):
    for _ in range(2):
        assert store.authenticate("崇北书记", "不对的密码").reason == "wrong"
    third = store.authenticate("崇北书记", "不对的密码")
    assert third.reason == "locked" and third.locked_now  # the configured count (3) locks it
    assert "已锁定" in third.message(10)
    clock.t += 599
    assert store.authenticate("崇北书记", PASSWORD).reason == "locked"  # even the right password
    clock.t += 2  # the configured 600 seconds are over
    assert store.authenticate("崇北书记", PASSWORD).ok
    assert store.get("崇北书记").failed == 0


def test_after_a_lock_ends_the_count_starts_again(store, clock):
    for _ in range(3):
        store.authenticate("崇北书记", "不对的密码")
    clock.t += 601
    assert store.authenticate("崇北书记", "不对的密码").reason == "wrong"  # one wrong, not locked again


def test_a_disabled_account_cannot_sign_in_and_reset_unlocks(store):
    store.set_disabled("崇北书记", True)
    assert store.authenticate("崇北书记", PASSWORD).reason == "disabled"
    store.set_disabled("崇北书记", False)
    for _ in range(3):
        store.authenticate("崇北书记", "不对的密码")
    store.set_password("崇北书记", "新的密码-5678")
    assert store.authenticate("崇北书记", "新的密码-5678").ok


def test_the_last_administrator_cannot_be_disabled(store):
    with pytest.raises(ValueError, match="唯一可用的管理员"):
        store.set_disabled("管理员", True)
    store.add("第二管理员", "admin", "", PASSWORD)
    store.set_disabled("管理员", True)
    assert store.has_admin()


def test_names_roles_and_passwords_are_checked(store):
    with pytest.raises(ValueError, match="已存在"):
        store.add("崇北书记", "community", "崇文街道/崇北社区", PASSWORD)
    with pytest.raises(ValueError, match="至少"):
        store.add("新人", "street", "崇文街道", "short")
    with pytest.raises(ValueError, match="街道账号"):
        store.add("新人", "street", "崇文街道/崇北社区", PASSWORD)
    with pytest.raises(ValueError, match="空格"):
        store.add("有 空格", "street", "崇文街道", PASSWORD)
    with pytest.raises(ValueError, match="邮箱"):
        store.add("新人", "street", "崇文街道", PASSWORD, email="CHONGBEI@example.gov.cn")


def test_a_single_sign_on_identity_finds_its_account(store):
    assert store.find_identity("ChongBei@Example.gov.cn").name == "崇北书记"
    assert store.find_identity("管理员").name == "管理员"
    assert store.find_identity("stranger@example.com") is None
    store.add("只用统一认证", "street", "崇文街道", None, email="sso@example.gov.cn")
    assert store.authenticate("只用统一认证", "").reason == "no_password"
