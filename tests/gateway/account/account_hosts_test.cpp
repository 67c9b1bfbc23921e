// The account layer's host and token rules, in process over the fakes (account_world.hpp): the
// host limit, reserved labels, names outside the zones open to users, another account's host
// and token (NotFound, nothing changed, no DNS traffic), and a busy argon2 gate answered Busy.
#include <gtest/gtest.h>

#include "account_world.hpp"

namespace ddns::gateway {
namespace {

using fakes::AccountWorld;

AddressChange v4(std::string_view text) {
    AddressChange c;
    c.ipv4 = IpAddress::parse(text);
    return c;
}

// alice and bob, each with one host under the public zone and an update and an API token.
struct TwoUsers : ::testing::Test {
    TwoUsers() {
        w.zone(1, "dyn.example.test", true);
        w.zone(2, "private.example.test", false);
        alice = w.account("alice", "alice's long password");
        bob = w.account("bob", "bob's long password");
        EXPECT_TRUE(w.service.add_host(alice, "a1.dyn.example.test"));
        EXPECT_TRUE(w.service.add_host(bob, "b1.dyn.example.test"));
        bob_update = w.service.create_update_token(bob, "router", std::nullopt)->id;
        bob_api = w.service.create_api_token(bob, "script")->id;
        EXPECT_TRUE(w.service.set_address(bob, "b1.dyn.example.test", v4("203.0.113.9")));
        sent_before = w.sender.sent.size();
    }
    AccountResult<Done> refused(AccountError e, AccountResult<Done> r) {
        EXPECT_FALSE(r);
        if (!r) {
            EXPECT_EQ(r.error().error, e) << r.error().message;
        }
        return r;
    }
    AccountResult<Done> add(std::int64_t who, std::string_view name) {
        auto r = w.service.add_host(who, name);
        if (!r) return Unexpected{r.error()};
        return Done{};
    }

    AccountWorld w;
    std::int64_t alice = 0;
    std::int64_t bob = 0;
    std::int64_t bob_update = 0;
    std::int64_t bob_api = 0;
    std::size_t sent_before = 0;
};

TEST_F(TwoUsers, TheHostLimitHoldsAndTheRefusedNameIsNotAdded) {
    ASSERT_TRUE(add(alice, "a2.dyn.example.test"));
    refused(AccountError::HostLimit, add(alice, "a3.dyn.example.test"));
    auto check = w.service.check_host_name(alice, "a3.dyn.example.test");
    ASSERT_FALSE(check);
    EXPECT_EQ(check.error().error, AccountError::HostLimit);
    EXPECT_EQ(w.service.hosts(alice)->size(), 2U);
    EXPECT_FALSE(w.principals.find_host_owner(*DnsName::parse("a3.dyn.example.test")));
}

TEST_F(TwoUsers, ADomainAccountHasNoHostLimitInItsOwnZone) {
    const auto carol = w.account("carol", "carol's long password", true, auth::Plan::Domain);
    w.zone(3, "carol.example", false, carol);
    for (const char* name : {"a.carol.example", "b.carol.example", "c.d.carol.example"})
        EXPECT_TRUE(add(carol, name)) << name;
    EXPECT_EQ(w.service.hosts(carol)->size(), 3U);
}

struct NameRow {
    const char* name;
    AccountError error;
};

class RefusedNames : public TwoUsers, public ::testing::WithParamInterface<NameRow> {};
TEST_P(RefusedNames, AreRefusedWithTheirReasonAndNothingAdded) {
    refused(GetParam().error, add(alice, GetParam().name));
    EXPECT_EQ(w.service.hosts(alice)->size(), 1U);
    EXPECT_EQ(w.store.host_rows.size(), 2U);
}
INSTANTIATE_TEST_SUITE_P(
    Table, RefusedNames,
    ::testing::Values(NameRow{"www.dyn.example.test", AccountError::Reserved},
                      NameRow{"mail.dyn.example.test", AccountError::Reserved},
                      NameRow{"home.private.example.test", AccountError::NotAllowed},
                      NameRow{"home.example.org", AccountError::NotAllowed},
                      NameRow{"dyn.example.test", AccountError::NotAllowed},
                      NameRow{"a.b.dyn.example.test", AccountError::BadInput},
                      NameRow{"b1.dyn.example.test", AccountError::NameTaken},
                      NameRow{"under_score.dyn.example.test", AccountError::BadInput},
                      NameRow{"home.dyn.example.test.", AccountError::BadInput},
                      NameRow{"", AccountError::BadInput}));

TEST_F(TwoUsers, ANameHoldingRecordsInBindIsInUse) {
    w.sender.scripted = {UpdateStatus::YxDomain};  // the probe: the name exists
    refused(AccountError::InUse, add(alice, "ns1.dyn.example.test"));
    EXPECT_EQ(w.service.hosts(alice)->size(), 1U);
}

TEST_F(TwoUsers, AnotherAccountsHostIsNotFoundAndUnchanged) {
    const std::string b1 = "b1.dyn.example.test";
    auto host = w.service.host(alice, b1);
    ASSERT_FALSE(host);
    EXPECT_EQ(host.error().error, AccountError::NotFound);
    refused(AccountError::NotFound, w.service.remove_host(alice, b1));
    auto set = w.service.set_address(alice, b1, v4("203.0.113.66"));
    ASSERT_FALSE(set);
    EXPECT_EQ(set.error().error, AccountError::NotFound);
    HostSettings settings;
    settings.heartbeat = std::optional(std::chrono::seconds(600));
    auto configured = w.service.configure_host(alice, b1, settings);
    ASSERT_FALSE(configured);
    EXPECT_EQ(configured.error().error, AccountError::NotFound);
    auto history = w.service.host_history(alice, b1, 10);
    ASSERT_FALSE(history);
    EXPECT_EQ(history.error().error, AccountError::NotFound);
    auto token = w.service.create_update_token(alice, "steal", b1);
    ASSERT_FALSE(token);
    EXPECT_EQ(token.error().error, AccountError::NotFound);

    EXPECT_EQ(w.sender.sent.size(), sent_before);  // no DNS traffic
    const auto still = w.service.host(bob, b1);
    ASSERT_TRUE(still);
    EXPECT_EQ(still->ipv4, IpAddress::parse("203.0.113.9"));
    EXPECT_FALSE(still->heartbeat_setting);
    EXPECT_TRUE(w.service.update_tokens(alice)->empty());
}

TEST_F(TwoUsers, AnotherAccountsTokensAreNotFoundAndStay) {
    refused(AccountError::NotFound, w.service.revoke_update_token(alice, bob_update));
    refused(AccountError::NotFound, w.service.revoke_api_token(alice, bob_api));
    EXPECT_EQ(w.service.update_tokens(bob)->size(), 1U);
    EXPECT_EQ(w.service.api_tokens(bob)->size(), 1U);
    EXPECT_TRUE(w.service.update_tokens(alice)->empty());
    EXPECT_TRUE(w.service.api_tokens(alice)->empty());
    // Bob's own revocation works: the refusal above was about the owner, not the id.
    EXPECT_TRUE(w.service.revoke_update_token(bob, bob_update));
}

TEST_F(TwoUsers, RemovingAHostClearsDnsFirstAndTakesItsTokens) {
    ASSERT_TRUE(w.service.create_update_token(bob, "host only", "b1.dyn.example.test"));
    ASSERT_EQ(w.service.update_tokens(bob)->size(), 2U);
    w.sender.status = UpdateStatus::Refused;
    refused(AccountError::DnsFailed, w.service.remove_host(bob, "b1.dyn.example.test"));
    EXPECT_TRUE(w.service.host(bob, "b1.dyn.example.test"));  // BIND refused: the row stays
    w.sender.status = UpdateStatus::Success;
    ASSERT_TRUE(w.service.remove_host(bob, "b1.dyn.example.test"));
    EXPECT_FALSE(w.service.host(bob, "b1.dyn.example.test"));
    EXPECT_EQ(w.service.update_tokens(bob)->size(), 1U);  // the host's own token went with it
}

TEST_F(TwoUsers, BusyArgon2IsBusyWithRetryAfterAndChangesNothing) {
    const auto mails = w.outbox.sent.size();
    w.hasher.busy = true;
    auto expect_busy = [](const auto& r) {
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().error, AccountError::Busy) << r.error().message;
        EXPECT_GE(r.error().retry_after.count(), 1);
    };
    SignUpRequest s;
    s.username = "carol";
    s.email = "carol@example.org";
    s.password = Secret("carol's long password");
    expect_busy(w.service.sign_up(s));
    expect_busy(w.service.log_in("alice", Secret("alice's long password"),
                                 IpAddress::parse("198.51.100.7")));
    expect_busy(w.service.change_password(alice, Secret("alice's long password"),
                                          Secret("a changed password"), std::nullopt));
    expect_busy(w.service.delete_account(alice, Secret("alice's long password")));
    EXPECT_EQ(w.store.accounts.size(), 2U);
    EXPECT_EQ(w.outbox.sent.size(), mails);

    // A reset whose hash found no slot: the link is used, nothing changed, a new link mailed.
    w.hasher.busy = false;
    ASSERT_TRUE(w.service.forgot_password("alice", IpAddress::parse("198.51.100.7")));
    const auto link = *w.last_link("alice@example.org");
    w.hasher.busy = true;
    expect_busy(w.service.reset_password(link, Secret("a brand new password")));
    w.hasher.busy = false;
    EXPECT_NE(*w.last_link("alice@example.org"), link);
    EXPECT_TRUE(w.service.log_in("alice", Secret("alice's long password"), std::nullopt));
    EXPECT_TRUE(w.service.delete_account(alice, Secret("alice's long password")));
    EXPECT_EQ(w.store.accounts.size(), 1U);
}

TEST_F(TwoUsers, DeletingAnAccountClearsItsNamesAndLeavesTheOtherAccount) {
    ASSERT_TRUE(w.service.delete_account(bob, Secret("bob's long password")));
    EXPECT_FALSE(w.store.accounts.count(bob));
    EXPECT_FALSE(w.principals.find_host_owner(*DnsName::parse("b1.dyn.example.test")));
    ASSERT_GT(w.sender.sent.size(), sent_before);  // b1's addresses removed in BIND
    EXPECT_TRUE(w.service.host(alice, "a1.dyn.example.test"));
    EXPECT_EQ(w.store.accounts.count(alice), 1U);
}

}  // namespace
}  // namespace ddns::gateway
