// The configuration keys, declared once: each row names a key, its type, bounds, default, a
// one-line description and the setter that parses a value into its Config field. parse_config,
// check-config and docs/configuration.md (checked by a test) all follow this table.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "ddns/gateway/config/config.hpp"

namespace ddns::gateway {

enum class KeyType { Text, Integer, Seconds, Milliseconds, Duration, Bool, List, Choice };

struct ConfigKey;
// Parses `value` into the key's field; false when the value is invalid for this key.
using KeySetter = bool (*)(Config& config, std::string_view value, const ConfigKey& key);

struct ConfigKey {
    std::string_view name;  // `section.field`
    KeyType type;
    long long min;  // bounds of numbers and durations (in the key's unit); unused otherwise
    long long max;
    // The default as an operator would write it, applied through `set`; "" leaves the field
    // empty. kRequired marks a key without default that every file must set.
    std::string_view default_value;
    std::string_view description;
    KeySetter set;
    // A secret's value is never shown: not in errors, not by `check-config --print`.
    bool secret = false;
};

inline constexpr std::string_view kRequired = "(required)";

// Every key, in the order docs/configuration.md lists them.
std::span<const ConfigKey> config_keys();
const ConfigKey* find_config_key(std::string_view name);
std::string_view key_type_name(KeyType type);
// What a valid value looks like, for error messages: the bounds of numbers and durations, the
// description of other keys ("seconds from 0 to 86400", "debug, info, warning or error").
std::string key_expectation(const ConfigKey& key);

}  // namespace ddns::gateway
