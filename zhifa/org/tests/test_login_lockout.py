"""Login lockout by username across addresses and by address across usernames (issue 14 §6), the address taken
from a trusted proxy's header only."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from zhifa.core.models import SecurityEvent, SecurityEventKind

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Dozens of logins per test: a fast hasher (the lockout does not depend on it; test_auth proves Argon2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def zhang(db, _fast_hasher):
    return get_user_model().objects.create_user(username="zhang", password=PASSWORD)


def attempt(client, username, password="wrong-password", **meta):
    client.cookies.clear()
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


@pytest.mark.django_db
def test_a_locked_username_is_locked_from_every_address(client, zhang, settings):
    """The attack: after the lockout, the same username from another address logged in at once."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "zhang", REMOTE_ADDR="198.51.100.1")
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="198.51.100.2").status_code == 429
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN).exists()


@pytest.mark.django_db
def test_failures_spread_over_addresses_add_up_for_the_username(client, zhang, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "zhang", REMOTE_ADDR=f"198.51.100.{i + 1}")
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="198.51.100.200").status_code == 429


@pytest.mark.django_db
def test_spraying_one_password_over_many_usernames_locks_the_address(client, zhang, settings):
    """The attack: one password tried once on each of many usernames from one address never locked."""
    limit = settings.ZHIFA_LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT  # an office behind one NAT address shares it
    for i in range(limit):
        response = attempt(client, f"user{i:03d}", "Spring2026!", REMOTE_ADDR="198.51.100.66")
    assert response.status_code == 429
    # Even a right password is refused from that address while the lock lasts …
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="198.51.100.66").status_code == 429
    # … and each sprayed username, tried once, is not locked elsewhere.
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="198.51.100.67").status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKED_OUT).exists()


@pytest.mark.django_db
def test_spraying_from_many_addresses_of_one_ipv6_slash_64_locks_the_slash_64(client, zhang, settings):
    """Review finding 5: from one /64, a fresh source address every few attempts never reached the address
    limit, because each IPv6 address was counted apart. The /64 is one client (core.net.counted_address)."""
    limit = settings.ZHIFA_LOGIN_ADDRESS_FAILURE_LIMIT
    for i in range(limit):
        response = attempt(client, f"user{i:03d}", "Spring2026!", REMOTE_ADDR=f"2001:db8:7:9::{i + 1:x}")
    assert response.status_code == 429
    # Any other address of that /64 is refused, even with a right password …
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="2001:db8:7:9:ffff::1").status_code == 429
    # … the neighbouring /64 is another client, and the security log keeps the full address.
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="2001:db8:7:a::1").status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKED_OUT).exists()


@pytest.mark.django_db
def test_an_ipv4_client_seen_through_a_dual_stack_socket_is_one_address(client, zhang, settings):
    """::ffff:198.51.100.9 is 198.51.100.9: spraying half from each spelling still adds up."""
    limit = settings.ZHIFA_LOGIN_ADDRESS_FAILURE_LIMIT
    for i in range(limit):
        remote = "198.51.100.9" if i % 2 else "::ffff:198.51.100.9"
        attempt(client, f"user{i:03d}", "Spring2026!", REMOTE_ADDR=remote)
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="198.51.100.9").status_code == 429


def test_counted_address_folds_ipv6_to_its_slash_64_and_mapped_ipv4_to_ipv4():
    from zhifa.core.net import counted_address

    assert counted_address("2001:db8:1:2:3:4:5:6") == counted_address("2001:db8:1:2::1") == "2001:db8:1:2::"
    assert counted_address("2001:db8:1:3::1") == "2001:db8:1:3::"
    assert counted_address("::ffff:203.0.113.7") == "203.0.113.7" == counted_address("203.0.113.7")
    assert counted_address("") == ""


@pytest.mark.django_db
def test_each_criterion_has_its_own_limit(client, zhang, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.ZHIFA_LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for i in range(5):  # five usernames, one failure each: under the address limit of 6
        attempt(client, f"user{i}", REMOTE_ADDR="198.51.100.5")
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="198.51.100.5").status_code == 302
    attempt(client, "user9", REMOTE_ADDR="198.51.100.5")  # the sixth failure from this address
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="198.51.100.5").status_code == 429
    # Three failures lock a username, whatever the addresses.
    for i in range(3):
        attempt(client, "li", REMOTE_ADDR=f"198.51.100.{20 + i}")
    get_user_model().objects.create_user(username="li", password=PASSWORD)
    assert attempt(client, "li", PASSWORD, REMOTE_ADDR="198.51.100.30").status_code == 429


@pytest.mark.django_db
def test_a_login_with_ones_own_account_does_not_reset_a_spray(client, zhang, settings):
    settings.ZHIFA_LOGIN_ADDRESS_FAILURE_LIMIT = limit = 8
    for i in range(limit - 1):
        attempt(client, f"user{i:03d}", REMOTE_ADDR="198.51.100.8")
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="198.51.100.8").status_code == 302
    attempt(client, "user999", REMOTE_ADDR="198.51.100.8")
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="198.51.100.8").status_code == 429


@pytest.mark.django_db
def test_a_forwarded_header_from_an_untrusted_client_does_not_change_the_counted_address(client, zhang, settings):
    """The attack: behind a proxy anyone could choose the address they are counted under (and lock anyone out
    by naming theirs). The header counts only from ZHIFA_TRUSTED_PROXIES."""
    settings.ZHIFA_PROXY_CLIENT_HEADER = "X-Forwarded-For"
    settings.ZHIFA_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.ZHIFA_LOGIN_ADDRESS_FAILURE_LIMIT = limit = 8
    for i in range(limit):  # each attempt claims another address
        attempt(client, f"user{i:03d}", REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_FOR=f"192.0.2.{i + 1}")
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="203.0.113.50",
                   HTTP_X_FORWARDED_FOR="192.0.2.250").status_code == 429
    assert set(SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN_FAILED)
               .values_list("ip_address", flat=True)) == {"203.0.113.50"}
    # Clients named in those headers are not locked: through the trusted proxy they log in.
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="10.1.2.3",
                   HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 302


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_is_counted_apart(client, zhang, settings):
    settings.ZHIFA_PROXY_CLIENT_HEADER = "X-Forwarded-For"
    settings.ZHIFA_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.ZHIFA_LOGIN_ADDRESS_FAILURE_LIMIT = limit = 8
    for i in range(limit):
        attempt(client, f"user{i:03d}", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    # The sprayer is locked; another client behind the same proxy is not.
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="10.0.0.2",
                   HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="10.0.0.2",
                   HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302
