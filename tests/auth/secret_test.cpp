// Secret: constant-time equality over all length combinations, move-only ownership, clone().
#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <utility>

#include "ddns/nsupdate/secret.hpp"

namespace ddns {
namespace {

struct EqualityCase {
    const char* name;
    std::string a;
    std::string b;
    bool equal;
};

class SecretEquality : public ::testing::TestWithParam<EqualityCase> {};

TEST_P(SecretEquality, MatchesByteComparison) {
    const auto& c = GetParam();
    EXPECT_EQ(Secret(c.a).equals(Secret(c.b)), c.equal);
    EXPECT_EQ(Secret(c.b).equals(Secret(c.a)), c.equal);
    EXPECT_EQ(constant_time_equal(Secret(c.a).expose_bytes(), Secret(c.b).expose_bytes()), c.equal);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SecretEquality,
    ::testing::Values(
        EqualityCase{"both_empty", "", "", true}, EqualityCase{"same", "hunter2", "hunter2", true},
        EqualityCase{"first_byte_differs", "hunter2", "Hunter2", false},
        EqualityCase{"last_byte_differs", "hunter2", "hunter3", false},
        EqualityCase{"prefix", "hunter", "hunter2", false},
        EqualityCase{"empty_vs_one", "", "x", false},
        // A shorter secret padded with zeros must not equal the longer one.
        EqualityCase{"zero_padding", std::string("ab"), std::string("ab\0", 3), false},
        EqualityCase{"embedded_nul", std::string("a\0b", 3), std::string("a\0b", 3), true}),
    [](const auto& row) { return std::string(row.param.name); });

static_assert(!std::is_copy_constructible_v<Secret>);
static_assert(!std::is_copy_assignable_v<Secret>);
static_assert(std::is_nothrow_move_constructible_v<Secret>);
static_assert(std::is_nothrow_move_assignable_v<Secret>);

TEST(Secret, EmptySecretsNeverExposeANullPointer) {
    // C APIs such as crypto_pwhash_str_verify declare the pointer non-null even for length 0.
    const Secret empty;
    EXPECT_NE(empty.expose_view().data(), nullptr);
    EXPECT_NE(empty.expose_bytes().data(), nullptr);
    EXPECT_EQ(empty.expose_view().size(), 0u);
    Secret moved_from("x");
    Secret taker(std::move(moved_from));
    EXPECT_NE(moved_from.expose_view().data(), nullptr);  // NOLINT(bugprone-use-after-move)
}

TEST(Secret, MoveConstructionTransfersAndEmptiesTheSource) {
    Secret a("token-value");
    Secret b(std::move(a));
    EXPECT_EQ(b.expose_view(), "token-value");
    EXPECT_TRUE(
        a.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is the contract
    EXPECT_EQ(a.size(), 0u);
}

TEST(Secret, MoveAssignmentReplacesAndEmptiesTheSource) {
    Secret a("new");
    Secret b("old-value");
    b = std::move(a);
    EXPECT_EQ(b.expose_view(), "new");
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(Secret, SelfMoveAssignmentKeepsTheValue) {
    Secret a("keep");
    Secret& alias = a;
    a = std::move(alias);
    EXPECT_EQ(a.expose_view(), "keep");
}

TEST(Secret, CloneIsAnIndependentEqualCopy) {
    const Secret a("original");
    Secret b = a.clone();
    EXPECT_TRUE(a.equals(b));
    b = Secret("changed");
    EXPECT_EQ(a.expose_view(), "original");
}

}  // namespace
}  // namespace ddns
