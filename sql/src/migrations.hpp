// The migrations compiled into this binary (generated from sql/migrations/*.sql at build time).
#pragma once

#include <span>
#include <string_view>

namespace ddns::sql {

struct Migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

// Strictly ascending by version (checked when generated); numbers may have gaps.
std::span<const Migration> compiled_migrations() noexcept;

}  // namespace ddns::sql
