// JSON API handlers for the records of zones a domain account owns.
#include "api_support.hpp"

namespace ddns::gateway::api {
namespace {

std::optional<RecordInput> record_input(Fields& f) {
    RecordInput input;
    input.name = f.text("name");
    input.type = f.text("type");
    input.data = f.optional_text("data").value_or("");
    if (auto ttl = f.optional_integer("ttl")) {
        if (*ttl < 0 || *ttl > 2147483647) return std::nullopt;
        input.ttl = static_cast<std::uint32_t>(*ttl);
    }
    return input;
}

}  // namespace

Response list_records(Call& c) {
    auto records = c.accounts.records(c.account_id, c.params.at(0));
    if (!records) return failure(records.error());
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& r : *records) {
        auto o = object();
        o->set("name", r.owner().str());
        o->set("type", std::string(to_string(r.type())));
        o->set("ttl", static_cast<Poco::UInt64>(r.ttl()));
        o->set("data", r.data_text());
        list->add(o);
    }
    auto o = object();
    o->set("zone", c.params.at(0));
    o->set("records", list);
    return json(200, o);
}

Response add_record(Call& c) {
    Fields f(c.body);
    auto input = record_input(f);
    if (auto p = f.problem()) return *p;
    if (!input) return error(400, "bad_request", "field 'ttl' is 0 to 2147483647");
    auto done = c.accounts.add_record(c.account_id, *input);
    if (!done) return failure(done.error());
    auto o = object();
    o->set("status", "added");
    return json(201, o);
}

Response remove_record(Call& c) {
    Fields f(c.body);
    auto input = record_input(f);
    if (auto p = f.problem()) return *p;
    if (!input) return error(400, "bad_request", "field 'ttl' is 0 to 2147483647");
    auto done = c.accounts.remove_record(c.account_id, *input);
    if (!done) return failure(done.error());
    return no_content();
}

}  // namespace ddns::gateway::api
