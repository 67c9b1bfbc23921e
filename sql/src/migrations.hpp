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

// Strictly ascending by version, possibly with gaps (checked when generated).
std::span<const Migration> compiled_migrations() noexcept;

}  // namespace ddns::sql
