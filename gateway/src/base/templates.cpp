// Templates over kainjow::mustache (header-only, Debian's libkainjow-mustache-dev). The library
// stays in this file; callers see TemplateData.
#include "ddns/gateway/base/templates.hpp"

#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include <kainjow/mustache.hpp>

namespace ddns::gateway {
namespace {

namespace km = kainjow::mustache;

bool safe_name(std::string_view name) {
    if (name.empty() || name.front() == '/' || name.size() > 200) return false;
    std::size_t start = 0;
    while (start <= name.size()) {
        const auto slash = name.find('/', start);
        const auto part =
            name.substr(start, slash == std::string_view::npos ? name.npos : slash - start);
        if (part.empty() || part == "." || part == "..") return false;
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return name.find('\0') == std::string_view::npos && name.find('\\') == std::string_view::npos;
}

bool is_html(std::string_view name) {
    return name.size() >= 5 && name.substr(name.size() - 5) == ".html";
}

km::data to_mustache(const TemplateData& d) {
    switch (d.kind()) {
        case TemplateData::Kind::Text:
            return km::data{d.text()};
        case TemplateData::Kind::Flag:
            return km::data{d.flag()};
        case TemplateData::Kind::List: {
            km::data list{km::data::type::list};
            for (const auto& item : d.items()) list.push_back(to_mustache(item));
            return list;
        }
        case TemplateData::Kind::Object:
            break;
    }
    km::data object{km::data::type::object};
    for (const auto& [key, value] : d.members()) object.set(key, to_mustache(value));
    return object;
}

// A context that resolves {{> partial}} through Templates (operator directory first) instead of
// through the data, so data can never inject a partial.
class PartialContext final : public km::context<std::string> {
public:
    PartialContext(const km::data* data, const Templates& templates)
        : km::context<std::string>(data), templates_(templates) {}

    const km::data* get_partial(const std::string& name) const override {
        auto found = partials_.find(name);
        if (found != partials_.end()) return found->second.get();
        const auto text = templates_.file(name);
        if (!text) throw TemplateError("template partial not found: " + name);
        auto partial = std::make_unique<km::data>(*text);
        return partials_.emplace(name, std::move(partial)).first->second.get();
    }

private:
    const Templates& templates_;
    mutable std::map<std::string, std::unique_ptr<km::data>> partials_;
};

}  // namespace

TemplateData& TemplateData::set(std::string key, TemplateData value) {
    for (auto& [k, v] : members_) {
        if (k == key) {
            v = std::move(value);
            return *this;
        }
    }
    members_.emplace_back(std::move(key), std::move(value));
    return *this;
}

TemplateData& TemplateData::push(TemplateData item) {
    items_.push_back(std::move(item));
    return *this;
}

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            case '`':
                out += "&#96;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

Templates::Templates(std::filesystem::path override_dir) : override_dir_(std::move(override_dir)) {}

std::optional<std::string> Templates::file(std::string_view name) const {
    if (!safe_name(name)) return std::nullopt;
    if (!override_dir_.empty()) {
        std::ifstream in(override_dir_ / std::filesystem::path(std::string(name)),
                         std::ios::binary);
        if (in) {
            std::ostringstream content;
            content << in.rdbuf();
            return content.str();
        }
    }
    for (const auto& f : embedded_files()) {
        if (f.name == name) return std::string(f.content);
    }
    return std::nullopt;
}

std::string Templates::render(std::string_view name, const TemplateData& data) const {
    const auto source = file(name);
    if (!source) throw TemplateError("template not found: " + std::string(name));
    km::mustache tmpl{*source};
    if (!tmpl.is_valid()) {
        throw TemplateError("template " + std::string(name) +
                            " does not parse: " + tmpl.error_message());
    }
    if (is_html(name)) {
        tmpl.set_custom_escape([](const std::string& s) { return html_escape(s); });
    } else {
        tmpl.set_custom_escape([](const std::string& s) { return s; });
    }
    const km::data root = to_mustache(data);
    PartialContext context(&root, *this);
    std::ostringstream out;
    tmpl.render(context, out);
    if (!tmpl.is_valid()) {
        throw TemplateError("template " + std::string(name) + " failed: " + tmpl.error_message());
    }
    return out.str();
}

}  // namespace ddns::gateway
