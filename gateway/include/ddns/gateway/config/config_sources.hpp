// Where each configuration value comes from: the key table's default, a line of the file, or the
// environment. Every key of kKeys has a variable DDNS_<SECTION>_<KEY> (`http.max_body_bytes` is
// DDNS_HTTP_MAX_BODY_BYTES) and DDNS_<SECTION>_<KEY>_FILE, naming a file whose first line is the
// value (container secrets). The environment wins over the file, the file over the default.
// `check-config --print` shows the result with the secret keys masked.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ddns/gateway/config/config.hpp"
#include "ddns/gateway/config/config_keys.hpp"
#include "ddns/nsupdate/expected.hpp"

namespace ddns::gateway {

enum class Origin {
    Default,
    File,
    Variable,
    VariableFile
};  // Variable: DDNS_..., VariableFile: DDNS_..._FILE

struct Setting {
    const ConfigKey* key;
    std::string value;  // as written (file line without quotes, variable, file's first line)
    Origin origin;
    std::string where;  // "line 12", "DDNS_HTTP_LISTEN", "DDNS_DATABASE_URL_FILE=/run/..."
};

// DDNS_ + the key upper-cased, '.' as '_'.
std::string environment_name(std::string_view key);

// One setting per key of kKeys, in the table's order. Errors: a bad line of the file, a key set
// twice in the file, a variable and its _FILE twin both set, an unreadable _FILE, a DDNS_
// variable that starts like a section (DDNS_HTTP_...) but names no key (a typo must not pass
// silently). Other DDNS_ variables (DDNS_GATEWAY_CONFIG) are not configuration keys.
Expected<std::vector<Setting>, std::string> collect_settings(std::string_view file_text,
                                                             const Environment& env);

// Applies the settings over the defaults and checks what spans keys. An error names the line or
// the variable and never echoes the value of a secret key.
Expected<Config, std::string> apply_settings(const std::vector<Setting>& settings);

// `key = value` per line, the origin beside it; secret keys show as ******** when set.
std::string format_settings(const std::vector<Setting>& settings);

// True when some variable of the environment names a key (serve may then run without a file).
bool environment_configures(const Environment& env);

}  // namespace ddns::gateway
