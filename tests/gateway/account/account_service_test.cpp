// The account layer's own rules, in process over the fakes (account_world.hpp): sign-up and
// the taken name, verification and reset links (single use, expiry, voided by a password
// change), forgot-password's one answer, what a reset does to tokens, and what login refuses.
#include <gtest/gtest.h>

#include "account_world.hpp"

namespace ddns::gateway {
namespace {

using fakes::AccountWorld;

SignUpRequest signup(std::string username, std::string password = "a long password") {
    SignUpRequest r;
    r.username = username;
    r.email = username + "@mail.example.org";
    r.password = Secret(password);
    r.client = *IpAddress::parse("198.51.100.7");
    return r;
}

std::optional<IpAddress> client() {
    return IpAddress::parse("198.51.100.7");
}

TEST(AccountSignUp, MakesAnUnverifiedAccountAndMailsItsLink) {
    AccountWorld w;
    auto id = w.service.sign_up(signup("carol"));
    ASSERT_TRUE(id);
    ASSERT_TRUE(w.store.accounts.count(*id));
    EXPECT_FALSE(w.store.accounts.at(*id).verified);
    ASSERT_EQ(w.outbox.sent.size(), 1U);
    EXPECT_EQ(w.outbox.sent[0].to, "carol@mail.example.org");
    EXPECT_EQ(w.outbox.sent[0].kind, "verify");
    EXPECT_NE(w.outbox.sent[0].body.find("https://gw.example.test/verify?token="),
              std::string::npos);
    // The mail holds the link's secret; the store only its digest.
    const auto link = w.last_link("carol@mail.example.org");
    ASSERT_TRUE(link);
    ASSERT_EQ(w.store.links.size(), 1U);
    EXPECT_EQ(w.store.links[0].digest, auth::token_digest(*link));
    EXPECT_EQ(w.store.accounts.at(*id).account.password_hash.find("a long password"),
              std::string::npos);
}

TEST(AccountSignUp, TheTakenNameInAnyCaseIsNameTakenAndMailsNothing) {
    AccountWorld w;
    w.account("alice", "alice's long password");
    auto again = w.service.sign_up(signup("ALICE"));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().error, AccountError::NameTaken);
    EXPECT_EQ(w.store.accounts.size(), 1U);
    EXPECT_TRUE(w.outbox.sent.empty());
}

// The account and its confirmation mail are one write: when the mail cannot be queued, the
// caller hears the store's failure and nothing is left behind, so the name stays free.
TEST(AccountSignUp, AMailThatCannotBeQueuedLeavesNoAccountAndNoLink) {
    AccountWorld w;
    w.outbox.fail = true;
    EXPECT_THROW((void)w.service.sign_up(signup("carol")), auth::StoreError);
    EXPECT_TRUE(w.store.accounts.empty());
    EXPECT_TRUE(w.store.links.empty());
    EXPECT_FALSE(w.store.account_by_login("carol"));

    w.outbox.fail = false;
    ASSERT_TRUE(w.service.sign_up(signup("carol")));
    EXPECT_EQ(w.outbox.sent.size(), 1U);
    EXPECT_EQ(w.outbox.wakes, 1) << "the mail sender is woken for the stored mail";
}

TEST(AccountLinks, AResetOrEmailMailThatCannotBeQueuedLeavesNoLink) {
    AccountWorld w;
    const auto id = w.account("alice", "alice's long password");
    w.outbox.fail = true;
    EXPECT_THROW((void)w.service.forgot_password("alice", client()), auth::StoreError);
    EXPECT_THROW((void)w.service.change_email(id, "new@mail.example.org"), auth::StoreError);
    EXPECT_TRUE(w.store.links.empty());
}

struct BadSignUp {
    const char* username;
    const char* email;
    const char* password;
};

class AccountSignUpRules : public ::testing::TestWithParam<BadSignUp> {};
TEST_P(AccountSignUpRules, RefuseWithBadInputAndCreateNothing) {
    AccountWorld w;
    SignUpRequest r = signup(GetParam().username, GetParam().password);
    r.email = GetParam().email;
    auto id = w.service.sign_up(r);
    ASSERT_FALSE(id);
    EXPECT_EQ(id.error().error, AccountError::BadInput);
    EXPECT_TRUE(w.store.accounts.empty());
    EXPECT_TRUE(w.outbox.sent.empty());
    // The message names the rule, never the password.
    EXPECT_EQ(id.error().message.find(GetParam().password), std::string::npos);
}
INSTANTIATE_TEST_SUITE_P(
    Table, AccountSignUpRules,
    ::testing::Values(BadSignUp{"ab", "ab@example.org", "a long password"},
                      BadSignUp{"-carol", "carol@example.org", "a long password"},
                      BadSignUp{"carol", "carol@example", "a long password"},
                      BadSignUp{"carol", "carol@example.org\r\nBcc: x@y.z", "a long password"},
                      BadSignUp{"carol", "carol@example.org", "short"},
                      BadSignUp{"carol", "carol@example.org", "a long\tpassword"},
                      BadSignUp{"carolcarol1", "carol@example.org", "carolcarol1"}));

TEST(AccountSignUp, ClosedOrWithoutInviteCreatesNothing) {
    auto options = fakes::world_options();
    options.registration = Registration::Off;
    AccountWorld closed(options);
    auto id = closed.service.sign_up(signup("carol"));
    ASSERT_FALSE(id);
    EXPECT_EQ(id.error().error, AccountError::RegistrationClosed);
    EXPECT_TRUE(closed.store.accounts.empty());

    options.registration = Registration::Invite;
    AccountWorld invite(options);
    id = invite.service.sign_up(signup("carol"));
    ASSERT_FALSE(id);
    EXPECT_EQ(id.error().error, AccountError::RegistrationClosed);
    auto with_bad = signup("carol");
    with_bad.invite = "not-an-invite";
    id = invite.service.sign_up(with_bad);
    ASSERT_FALSE(id);
    EXPECT_EQ(id.error().error, AccountError::BadInvite);
    EXPECT_TRUE(invite.store.accounts.empty());
}

TEST(AccountSignUp, AnInviteCodeWorksOnce) {
    auto options = fakes::world_options();
    options.registration = Registration::Invite;
    AccountWorld w(options);
    const auto code = w.service.create_invite(std::chrono::hours(1));
    auto first = signup("carol");
    first.invite = std::string(code.secret.expose_view());
    ASSERT_TRUE(w.service.sign_up(first));
    auto second = signup("dave");
    second.invite = first.invite;
    auto id = w.service.sign_up(second);
    ASSERT_FALSE(id);
    EXPECT_EQ(id.error().error, AccountError::BadInvite);
    EXPECT_EQ(w.store.accounts.size(), 1U);
}

TEST(AccountVerify, TheLinkWorksOnceThenLoginIsAllowed) {
    AccountWorld w;
    auto id = w.service.sign_up(signup("carol"));
    ASSERT_TRUE(id);
    auto before = w.service.log_in("carol", Secret("a long password"), client());
    ASSERT_FALSE(before);
    EXPECT_EQ(before.error().error, AccountError::NotVerified);

    const auto link = *w.last_link("carol@mail.example.org");
    ASSERT_TRUE(w.service.verify(link));
    EXPECT_TRUE(w.store.accounts.at(*id).verified);
    auto again = w.service.verify(link);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().error, AccountError::LinkInvalid);
    auto after = w.service.log_in("carol", Secret("a long password"), client());
    ASSERT_TRUE(after);
    EXPECT_EQ(*after, *id);
}

TEST(AccountVerify, AnExpiredLinkVerifiesNothing) {
    AccountWorld w;
    auto id = w.service.sign_up(signup("carol"));
    ASSERT_TRUE(id);
    w.clock.now += w.service.options().verify_link_lifetime + std::chrono::seconds(1);
    auto done = w.service.verify(*w.last_link("carol@mail.example.org"));
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().error, AccountError::LinkInvalid);
    EXPECT_FALSE(w.store.accounts.at(*id).verified);
}

TEST(AccountForgot, KnownAndUnknownNamesGetTheSameAnswerAndOnlyTheKnownAMail) {
    AccountWorld w;
    w.account("alice", "alice's long password");
    auto known = w.service.forgot_password("alice", client());
    auto by_mail = w.service.forgot_password("ALICE@example.org", client());
    auto unknown = w.service.forgot_password("nobody", client());
    auto unknown_mail = w.service.forgot_password("nobody@example.org", client());
    EXPECT_TRUE(known && by_mail && unknown && unknown_mail);
    ASSERT_EQ(w.outbox.sent.size(), 2U);
    for (const auto& mail : w.outbox.sent) {
        EXPECT_EQ(mail.to, "alice@example.org");
        EXPECT_EQ(mail.kind, "reset");
        EXPECT_NE(mail.body.find("https://gw.example.test/reset?token="), std::string::npos);
    }
}

TEST(AccountReset, SetsTheNewPasswordOnceAndTheOldOneStopsWorking) {
    AccountWorld w;
    const auto id = w.account("alice", "alice's long password");
    ASSERT_TRUE(w.service.forgot_password("alice", client()));
    const auto link = *w.last_link("alice@example.org");
    ASSERT_TRUE(w.service.reset_password(link, Secret("a brand new password")));
    auto used = w.service.reset_password(link, Secret("yet another password"));
    ASSERT_FALSE(used);
    EXPECT_EQ(used.error().error, AccountError::LinkInvalid);
    EXPECT_TRUE(w.service.log_in("alice", Secret("a brand new password"), client()));
    auto old = w.service.log_in("alice", Secret("alice's long password"), client());
    ASSERT_FALSE(old);
    EXPECT_EQ(old.error().error, AccountError::BadCredentials);
    ASSERT_FALSE(w.sessions.ended.empty());
    EXPECT_EQ(w.sessions.ended.back().first, id);
}

TEST(AccountReset, AnExpiredLinkChangesNothing) {
    AccountWorld w;
    w.account("alice", "alice's long password");
    ASSERT_TRUE(w.service.forgot_password("alice", client()));
    w.clock.now += w.service.options().reset_link_lifetime + std::chrono::seconds(1);
    auto done =
        w.service.reset_password(*w.last_link("alice@example.org"), Secret("a brand new password"));
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().error, AccountError::LinkInvalid);
    EXPECT_TRUE(w.service.log_in("alice", Secret("alice's long password"), client()));
}

TEST(AccountReset, APasswordChangeVoidsOutstandingResetAndEmailLinks) {
    AccountWorld w;
    const auto id = w.account("alice", "alice's long password");
    ASSERT_TRUE(w.service.forgot_password("alice", client()));
    const auto reset = *w.last_link("alice@example.org");
    ASSERT_TRUE(w.service.change_email(id, "alice@new.example.org"));
    const auto change = *w.last_link("alice@new.example.org");
    ASSERT_TRUE(w.service.change_password(id, Secret("alice's long password"),
                                          Secret("a changed password"), std::string("web-1")));
    auto done = w.service.reset_password(reset, Secret("a brand new password"));
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().error, AccountError::LinkInvalid);
    auto moved = w.service.verify(change);
    ASSERT_FALSE(moved);
    EXPECT_EQ(moved.error().error, AccountError::LinkInvalid);
    EXPECT_EQ(w.store.accounts.at(id).account.email, "alice@example.org");
    EXPECT_TRUE(w.service.log_in("alice", Secret("a changed password"), client()));
    // The session that changed it stays.
    ASSERT_FALSE(w.sessions.ended.empty());
    EXPECT_EQ(w.sessions.ended.back().second, std::optional<std::string>("web-1"));
}

TEST(AccountReset, RevokesApiTokensAndKeepsUpdateTokens) {
    AccountWorld w;
    w.zone(1, "dyn.example.test", true);
    const auto id = w.account("alice", "alice's long password");
    ASSERT_TRUE(w.service.add_host(id, "home.dyn.example.test"));
    auto api = w.service.create_api_token(id, "script");
    auto update = w.service.create_update_token(id, "router", std::string("home.dyn.example.test"));
    ASSERT_TRUE(api && update);
    ASSERT_TRUE(w.service.forgot_password("alice", client()));
    ASSERT_TRUE(w.service.reset_password(*w.last_link("alice@example.org"),
                                         Secret("a brand new password")));

    EXPECT_TRUE(w.service.api_tokens(id)->empty());
    auto by_api = w.service.authenticate_api_token(api->secret.expose_view(), client());
    ASSERT_FALSE(by_api);
    EXPECT_EQ(by_api.error().error, AccountError::BadCredentials);
    ASSERT_EQ(w.service.update_tokens(id)->size(), 1U);
    const auto router =
        w.authenticator.authenticate("alice", update->secret, auth::CredentialPolicy::TokenOnly);
    EXPECT_EQ(router.status, auth::AuthStatus::Ok);
}

TEST(AccountLogIn, RefusesAnUpdateTokenAsThePassword) {
    AccountWorld w;
    w.zone(1, "dyn.example.test", true);
    const auto id = w.account("alice", "alice's long password");
    auto update = w.service.create_update_token(id, "router", std::nullopt);
    ASSERT_TRUE(update);
    // The token itself is a valid credential for the update protocols...
    ASSERT_EQ(w.authenticator
                  .authenticate("alice", update->secret, auth::CredentialPolicy::PasswordOrToken)
                  .status,
              auth::AuthStatus::Ok);
    // ...and never for a login.
    auto login = w.service.log_in("alice", update->secret, client());
    ASSERT_FALSE(login);
    EXPECT_EQ(login.error().error, AccountError::BadCredentials);
    EXPECT_TRUE(w.service.api_tokens(id)->empty());
}

TEST(AccountLogIn, RefusesUnverifiedAndLockedAccountsOnlyAfterTheRightPassword) {
    AccountWorld w;
    w.account("carol", "carol's long password", false);
    const auto dave = w.account("dave", "dave's long password");
    w.store.modify_account(dave, [](auth::Account& a) { a.disabled = true; });

    auto unverified = w.service.log_in("carol", Secret("carol's long password"), client());
    ASSERT_FALSE(unverified);
    EXPECT_EQ(unverified.error().error, AccountError::NotVerified);
    auto wrong = w.service.log_in("carol", Secret("not her password"), client());
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().error, AccountError::BadCredentials);
    auto locked = w.service.log_in("dave", Secret("dave's long password"), client());
    ASSERT_FALSE(locked);
    EXPECT_EQ(locked.error().error, AccountError::AccountLocked);
    auto locked_wrong = w.service.log_in("dave", Secret("not his password"), client());
    ASSERT_FALSE(locked_wrong);
    EXPECT_EQ(locked_wrong.error().error, AccountError::BadCredentials);
}

}  // namespace
}  // namespace ddns::gateway
