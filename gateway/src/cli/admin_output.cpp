#include "admin_output.hpp"

#include <iomanip>
#include <ostream>

#include "admin_support.hpp"
#include "ddns/gateway/base/log.hpp"

namespace ddns::gateway {
namespace {

std::string json_string(std::string_view text) {
    return "\"" + json_escape(text) + "\"";
}

}  // namespace

Cell text_cell(std::string_view text) {
    return {std::string(text), json_string(text)};
}

Cell opt_text_cell(const std::optional<std::string>& text) {
    return text ? text_cell(*text) : Cell{"-", "null"};
}

Cell number_cell(std::int64_t n) {
    return {std::to_string(n), std::to_string(n)};
}

Cell time_cell(const std::optional<auth::TimePoint>& t) {
    return t ? text_cell(format_time(t)) : Cell{"-", "null"};
}

Cell bool_cell(bool value, std::string_view yes, std::string_view no) {
    return {std::string(value ? yes : no), value ? "true" : "false"};
}

std::string Listing::json_array() const {
    std::string out = "[";
    for (std::size_t r = 0; r < rows_.size(); ++r) {
        out += r == 0 ? "\n" : ",\n";
        Fields fields;
        for (std::size_t c = 0; c < columns_.size() && c < rows_[r].size(); ++c)
            fields.emplace_back(std::string(columns_[c].key), rows_[r][c]);
        out += json_object(fields);
    }
    return out + (rows_.empty() ? "]" : "\n]");
}

void Listing::print(std::ostream& out, bool json) const {
    if (json) {
        out << json_array() << "\n";
        return;
    }
    std::vector<std::vector<std::string>> table(1);
    for (const auto& c : columns_) table[0].emplace_back(c.header);
    for (const auto& row : rows_) {
        table.emplace_back();
        for (const auto& cell : row) table.back().push_back(cell.text);
    }
    print_table(out, table);
}

std::string json_object(const Fields& fields) {
    std::string out = "{";
    for (std::size_t i = 0; i < fields.size(); ++i)
        out += (i == 0 ? "" : ",") + json_string(fields[i].first) + ":" + fields[i].second.json;
    return out + "}";
}

void print_fields(std::ostream& out, const Fields& fields, bool json) {
    if (json) {
        out << json_object(fields) << "\n";
        return;
    }
    for (const auto& [key, cell] : fields)
        out << std::left << std::setw(18) << (key + ":") << cell.text << "\n";
}

bool wants_json(const Args& a) {
    return a.flags.contains("--json");
}

}  // namespace ddns::gateway
