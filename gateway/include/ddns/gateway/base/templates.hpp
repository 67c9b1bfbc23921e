// Templates: Mustache rendering for the web pages and the mail texts. The files under
// gateway/templates/ are compiled into the binary; an operator directory (web.template_dir) may
// hold a file of the same relative name, which then wins (branding, translated mails).
//
// Escaping follows the file type: a template whose name ends in ".html" escapes every {{value}}
// for HTML (& < > " ' and `), every other template (".txt" mails) renders values as they are.
// {{{value}}} never escapes; use it only for text the program itself made safe.
// Partials ({{> name}}) are looked up by the same rules as the template itself.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ddns::gateway {

// One file compiled into the binary.
struct EmbeddedFile {
    std::string_view name;
    std::string_view content;
};
std::span<const EmbeddedFile> embedded_files() noexcept;

// The values a template sees: text, a flag (for {{#section}}), a list, or an object of named
// values. Plain value semantics; the renderer turns it into the library's own type.
class TemplateData {
public:
    enum class Kind { Object, List, Text, Flag };

    TemplateData() = default;  // an empty object
    TemplateData(std::string text) : kind_(Kind::Text), text_(std::move(text)) {}
    TemplateData(const char* text) : kind_(Kind::Text), text_(text) {}
    TemplateData(bool flag) : kind_(Kind::Flag), flag_(flag) {}
    static TemplateData list() {
        TemplateData d;
        d.kind_ = Kind::List;
        return d;
    }

    // Object: sets (or replaces) a member. Returns *this for chaining.
    TemplateData& set(std::string key, TemplateData value);
    // List: appends an item.
    TemplateData& push(TemplateData item);

    Kind kind() const { return kind_; }
    const std::string& text() const { return text_; }
    bool flag() const { return flag_; }
    const std::vector<std::pair<std::string, TemplateData>>& members() const { return members_; }
    const std::vector<TemplateData>& items() const { return items_; }
    bool empty_list() const { return kind_ == Kind::List && items_.empty(); }

private:
    Kind kind_ = Kind::Object;
    std::string text_;
    bool flag_ = false;
    std::vector<std::pair<std::string, TemplateData>> members_;
    std::vector<TemplateData> items_;
};

// A template that is missing or does not parse. The message names the template, never data.
class TemplateError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Templates {
public:
    // override_dir empty: only the compiled-in files.
    explicit Templates(std::filesystem::path override_dir = {});

    // The file's content: the operator's copy if there is one, else the compiled-in file.
    // nullopt for an unknown name or one that tries to leave the directory ("..", absolute).
    std::optional<std::string> file(std::string_view name) const;

    // Renders the template `name` with `data`; throws TemplateError when it is missing, does not
    // parse, or names a partial that is missing.
    std::string render(std::string_view name, const TemplateData& data) const;

    const std::filesystem::path& override_dir() const { return override_dir_; }

private:
    std::filesystem::path override_dir_;
};

// HTML-escapes & < > " ' ` (what every {{value}} of an .html template goes through).
std::string html_escape(std::string_view text);

}  // namespace ddns::gateway
