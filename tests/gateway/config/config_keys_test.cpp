// The key table (kKeys) against its promises: every default applies, every key's bounds hold,
// and docs/configuration.md lists exactly the table's keys with the table's defaults.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "ddns/gateway/config/config_keys.hpp"

namespace ddns::gateway {
namespace {

// The default column as the doc writes it.
std::string doc_default(const ConfigKey& key) {
    if (key.default_value == kRequired) return std::string(kRequired);
    if (key.default_value.empty()) return "(empty)";
    return "`" + std::string(key.default_value) + "`";
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(' ');
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

// Rows of the doc's key table: "| `key` | default | meaning |" -> key => default cell.
std::multimap<std::string, std::string> documented_keys() {
    std::ifstream in(DDNS_CONFIGURATION_DOC);
    EXPECT_TRUE(in) << "cannot read " << DDNS_CONFIGURATION_DOC;
    std::multimap<std::string, std::string> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("| `", 0) != 0) continue;
        std::vector<std::string> cells;
        std::stringstream ss(line.substr(1));
        for (std::string cell; std::getline(ss, cell, '|');) cells.push_back(trim(cell));
        if (cells.size() < 3 || cells[0].size() < 3) continue;
        rows.emplace(cells[0].substr(1, cells[0].size() - 2), cells[1]);
    }
    return rows;
}

TEST(ConfigKeys, DocumentationListsExactlyTheTableWithItsDefaults) {
    const auto documented = documented_keys();
    std::set<std::string> in_table;
    for (const auto& key : config_keys()) {
        in_table.insert(std::string(key.name));
        EXPECT_EQ(documented.count(std::string(key.name)), 1u)
            << key.name << " must appear once in docs/configuration.md";
        const auto it = documented.find(std::string(key.name));
        if (it != documented.end()) {
            EXPECT_EQ(it->second, doc_default(key)) << key.name;
        }
    }
    for (const auto& [name, value] : documented)
        EXPECT_TRUE(in_table.count(name)) << name << " is documented but not in kKeys";
}

TEST(ConfigKeys, NamesAreUniqueAndFound) {
    std::set<std::string_view> names;
    for (const auto& key : config_keys()) {
        EXPECT_TRUE(names.insert(key.name).second) << key.name;
        EXPECT_EQ(find_config_key(key.name), &key);
        EXPECT_FALSE(key.description.empty()) << key.name;
        EXPECT_NE(key_type_name(key.type), "unknown") << key.name;
    }
    EXPECT_EQ(find_config_key("http.lisen"), nullptr);
}

TEST(ConfigKeys, EveryDefaultParses) {
    Config config;
    for (const auto& key : config_keys()) {
        if (key.default_value.empty() || key.default_value == kRequired) continue;
        EXPECT_TRUE(key.set(config, key.default_value, key)) << key.name;
    }
    EXPECT_NO_THROW(default_config());
}

// Numbers just inside the bounds are taken, just outside refused, for every numeric key.
TEST(ConfigKeys, NumericBoundsHold) {
    for (const auto& key : config_keys()) {
        const bool numeric = key.type == KeyType::Integer || key.type == KeyType::Seconds ||
                             key.type == KeyType::Milliseconds || key.type == KeyType::Duration;
        if (!numeric) continue;
        Config config = default_config();
        EXPECT_TRUE(key.set(config, std::to_string(key.min), key)) << key.name;
        if (key.min > 0) {
            EXPECT_FALSE(key.set(config, std::to_string(key.min - 1), key)) << key.name;
        }
        if (key.type != KeyType::Duration) {
            EXPECT_TRUE(key.set(config, std::to_string(key.max), key)) << key.name;
            EXPECT_FALSE(key.set(config, std::to_string(key.max + 1), key)) << key.name;
        }
        EXPECT_FALSE(key.set(config, "many", key)) << key.name;
    }
}

TEST(ConfigKeys, FieldsFollowTheirKeys) {
    const auto c = parse_config(
        "database.url = x\nsweep.interval = 7\nauth.address_lockout_max = 9\n"
        "abuse.nochg_interval = off\ndns.timeout_ms = 70\n");
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->sweep.interval, std::chrono::seconds(7));
    EXPECT_EQ(c->auth.address_lockout_max, std::chrono::seconds(9));
    EXPECT_EQ(c->auth.address_lockout_initial, std::chrono::seconds(1)) << "default kept";
    EXPECT_EQ(c->abuse.nochg_interval, std::chrono::seconds(0));
    EXPECT_EQ(c->dns.timeout_ms, std::chrono::milliseconds(70));
}

TEST(ConfigKeys, InvalidValuesNameWhatTheTableExpects) {
    struct Case {
        const char* line;
        const char* expected;
    };
    for (const auto& c : {
             Case{"sweep.batch_size = 0", "(expected a whole number from 1 to 10000)"},
             Case{"sweep.interval = -1", "(expected seconds from 0 to 86400)"},
             Case{"dns.timeout_ms = 10", "(expected milliseconds from 50 to 60000)"},
             Case{"abuse.nochg_interval = 8d", "such as 90s, 30m, 12h, 30d, at most 7d)"},
             Case{"audit.prune_interval = 0", "at least 1s)"},
             Case{"dyndns2.require_user_agent = maybe", "(expected true or false)"},
             Case{"log.level = loud", "(expected debug, info, warning or error)"},
         }) {
        const auto r = parse_config(std::string("database.url = x\n") + c.line + "\n");
        ASSERT_FALSE(r) << c.line;
        EXPECT_NE(r.error().find(c.expected), std::string::npos) << r.error();
        EXPECT_NE(r.error().find("line 2: invalid value for"), std::string::npos) << r.error();
    }
}

}  // namespace
}  // namespace ddns::gateway
