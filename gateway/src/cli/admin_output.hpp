// What the admin list and show commands print: a padded table (or `key: value` lines) for
// people, and with --json the same rows as JSON for scripts. Each cell carries both forms, so
// the two outputs cannot drift apart: a missing value is `-` in the table and null in JSON, a
// number or a flag keeps its JSON type, a time is ISO 8601 UTC in both.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/gateway/cli/admin_handlers.hpp"

namespace ddns::gateway {

struct Cell {
    std::string text;  // as the table shows it
    std::string json;  // a JSON value: string literal, number, true, false or null
};

Cell text_cell(std::string_view text);
// nullopt: `-` and null.
Cell opt_text_cell(const std::optional<std::string>& text);
Cell number_cell(std::int64_t n);
Cell time_cell(const std::optional<auth::TimePoint>& t);
// The table shows `yes` or `no` (the words given); JSON true or false.
Cell bool_cell(bool value, std::string_view yes = "yes", std::string_view no = "no");

struct Column {
    std::string_view header;  // the table's heading, e.g. "LAST SEEN"
    std::string_view key;     // the JSON member, e.g. "last_seen"
};

// Rows under fixed columns: print() writes the padded table, or a JSON array of objects (one
// per line) with the columns' keys.
class Listing {
public:
    explicit Listing(std::vector<Column> columns) : columns_(std::move(columns)) {}
    void add(std::vector<Cell> row) { rows_.push_back(std::move(row)); }
    void print(std::ostream& out, bool json) const;
    // The rows as one JSON array, for a caller that wraps it in an object.
    std::string json_array() const;

private:
    std::vector<Column> columns_;
    std::vector<std::vector<Cell>> rows_;
};

// One object: `key:` lines padded to a column, or one JSON object.
using Fields = std::vector<std::pair<std::string, Cell>>;
void print_fields(std::ostream& out, const Fields& fields, bool json);
std::string json_object(const Fields& fields);

// --json was given.
bool wants_json(const Args& a);

}  // namespace ddns::gateway
