// Configuration from the environment: DDNS_<SECTION>_<KEY> over the file over the default,
// DDNS_..._FILE for secrets, typos refused, secrets never shown.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "ddns/gateway/config/config_sources.hpp"

namespace ddns::gateway {
namespace {

const std::string kSecretUrl = "postgresql://ddns:s3cret-pw@db:5432/ddns";

const Setting& setting_of(const std::vector<Setting>& all, std::string_view key) {
    for (const auto& s : all)
        if (s.key->name == key) return s;
    throw std::runtime_error("no setting " + std::string(key));
}

// A file in a fresh temporary directory, removed with the object.
struct TempFile {
    explicit TempFile(const std::string& content) {
        path =
            std::filesystem::temp_directory_path() /
            ("ddns-config-sources-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::ofstream(path) << content;
    }
    ~TempFile() { std::filesystem::remove(path); }
    std::filesystem::path path;
    static inline int counter = 0;
};

TEST(ConfigSources, EveryKeyHasItsOwnVariableAndFileVariable) {
    std::set<std::string> names;
    for (const auto& key : config_keys()) names.insert(environment_name(key.name));
    EXPECT_EQ(names.size(), config_keys().size());
    // DDNS_X_FILE of one key must never be another key's DDNS_X.
    for (const auto& key : config_keys())
        EXPECT_EQ(names.count(environment_name(key.name) + "_FILE"), 0u) << key.name;
    EXPECT_EQ(environment_name("http.max_body_bytes"), "DDNS_HTTP_MAX_BODY_BYTES");
    EXPECT_EQ(environment_name("database.url"), "DDNS_DATABASE_URL");
}

// Every key of the table is reachable from the environment with its own default value.
TEST(ConfigSources, EveryKeyCanBeSetFromTheEnvironment) {
    for (const auto& key : config_keys()) {
        if (key.default_value.empty() || key.default_value == kRequired) continue;
        const Environment env{{environment_name(key.name), std::string(key.default_value)}};
        const auto settings = collect_settings("database.url = x\n", env);
        ASSERT_TRUE(settings) << settings.error();
        EXPECT_EQ(setting_of(*settings, key.name).origin, Origin::Variable) << key.name;
        const auto config = apply_settings(*settings);
        EXPECT_TRUE(config) << key.name << ": " << config.error();
    }
}

TEST(ConfigSources, VariableOverFileOverDefault) {
    const Environment env{{"DDNS_HTTP_THREADS", "7"}, {"DDNS_DATABASE_URL", kSecretUrl}};
    const auto settings =
        collect_settings("database.url = file-url\nhttp.threads = 5\nsweep.interval = 9\n", env);
    ASSERT_TRUE(settings) << settings.error();
    EXPECT_EQ(setting_of(*settings, "http.threads").where, "DDNS_HTTP_THREADS");
    EXPECT_EQ(setting_of(*settings, "sweep.interval").where, "line 3");
    EXPECT_EQ(setting_of(*settings, "sweep.batch_size").origin, Origin::Default);
    const auto config = apply_settings(*settings);
    ASSERT_TRUE(config) << config.error();
    EXPECT_EQ(config->http.threads, 7u);
    EXPECT_EQ(config->sweep.interval, std::chrono::seconds(9));
    EXPECT_EQ(config->sweep.batch_size, 500u);
    EXPECT_EQ(config->database.url, kSecretUrl);
}

TEST(ConfigSources, NoFileAtAllWhenTheEnvironmentSaysEverything) {
    const Environment env{{"DDNS_DATABASE_URL", "host=db"}, {"DDNS_HTTP_LISTEN", "[::]:8080"}};
    EXPECT_TRUE(environment_configures(env));
    EXPECT_FALSE(environment_configures({{"DDNS_GATEWAY_CONFIG", "/x"}, {"PATH", "/bin"}}));
    const auto config = parse_config("", env);
    ASSERT_TRUE(config) << config.error();
    ASSERT_EQ(config->http.listen.size(), 1u);
    EXPECT_EQ(config->http.listen[0].to_string(), "[::]:8080");
}

TEST(ConfigSources, FileVariableReadsTheFirstLine) {
    const TempFile secret(kSecretUrl + "\r\nsecond line\n");
    const Environment env{{"DDNS_DATABASE_URL_FILE", secret.path.string()}};
    const auto settings = collect_settings("", env);
    ASSERT_TRUE(settings) << settings.error();
    const auto& url = setting_of(*settings, "database.url");
    EXPECT_EQ(url.origin, Origin::VariableFile);
    EXPECT_EQ(url.value, kSecretUrl);
    const auto config = apply_settings(*settings);
    ASSERT_TRUE(config) << config.error();
    EXPECT_EQ(config->database.url, kSecretUrl);
}

struct BadEnv {
    Environment env;
    std::string expected;
};

class ConfigSourcesErrors : public ::testing::TestWithParam<BadEnv> {};

TEST_P(ConfigSourcesErrors, NamedAndNeverShowingTheSecret) {
    const auto config = parse_config("database.url = x\n", GetParam().env);
    ASSERT_FALSE(config);
    EXPECT_NE(config.error().find(GetParam().expected), std::string::npos) << config.error();
    EXPECT_EQ(config.error().find("s3cret"), std::string::npos) << config.error();
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigSourcesErrors,
    ::testing::Values(
        BadEnv{{{"DDNS_HTTP_LISTN", "1.2.3.4:80"}}, "DDNS_HTTP_LISTN names no configuration key"},
        BadEnv{{{"DDNS_HTTP_THREADS", "many"}},
               "DDNS_HTTP_THREADS: invalid value for `http.threads`: many"},
        BadEnv{{{"DDNS_DATABASE_URL", ""}}, "DDNS_DATABASE_URL: database.url must not be empty"},
        BadEnv{{{"DDNS_DATABASE_URL", kSecretUrl}, {"DDNS_DATABASE_URL_FILE", "/nonexistent"}},
               "are both set"},
        BadEnv{{{"DDNS_DATABASE_URL_FILE", "/nonexistent/secret"}},
               "DDNS_DATABASE_URL_FILE: cannot read /nonexistent/secret"},
        BadEnv{{{"DDNS_LOG_LEVEL", "loud"}}, "DDNS_LOG_LEVEL: invalid value for `log.level`"}));

TEST(ConfigSources, ForeignVariablesAreNotKeys) {
    const Environment env{{"DDNS_GATEWAY_CONFIG", "/etc/x"},
                          {"DDNS_FUZZ_SECONDS", "3"},
                          {"DDNS_DB_PASSWORD", "pw"},
                          {"HTTP_LISTEN", "nonsense"}};
    EXPECT_TRUE(parse_config("database.url = x\n", env));
}

TEST(ConfigSources, PrintMasksSecretsAndNamesOrigins) {
    const TempFile secret(kSecretUrl + "\n");
    const Environment env{{"DDNS_DATABASE_URL_FILE", secret.path.string()},
                          {"DDNS_HTTP_THREADS", "7"}};
    const auto settings = collect_settings("sweep.interval = 9\n", env);
    ASSERT_TRUE(settings) << settings.error();
    const std::string printed = format_settings(*settings);
    EXPECT_EQ(printed.find("s3cret"), std::string::npos) << printed;
    EXPECT_NE(printed.find("database.url = ********"), std::string::npos) << printed;
    EXPECT_NE(printed.find("DDNS_DATABASE_URL_FILE=" + secret.path.string()), std::string::npos);
    EXPECT_NE(printed.find("# environment DDNS_HTTP_THREADS"), std::string::npos) << printed;
    EXPECT_NE(printed.find("# file line 1"), std::string::npos) << printed;
    // One line per key.
    EXPECT_EQ(static_cast<std::size_t>(std::count(printed.begin(), printed.end(), '\n')),
              config_keys().size());
}

TEST(ConfigSources, TheDatabaseUrlIsSecret) {
    const ConfigKey* url = find_config_key("database.url");
    ASSERT_NE(url, nullptr);
    EXPECT_TRUE(url->secret);
}

}  // namespace
}  // namespace ddns::gateway
