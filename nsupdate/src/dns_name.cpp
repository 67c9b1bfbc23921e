// DnsName: validation, lower-casing and zone-relative helpers.
#include "ddns/nsupdate/dns_name.hpp"

#include <algorithm>

#include "ascii.hpp"

namespace ddns {
namespace {

constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxName = 253;

bool valid_label(std::string_view label, bool leftmost) {
    if (label.empty() || label.size() > kMaxLabel) return false;
    if (label == "*") return leftmost;
    if (label.front() == '-' || label.back() == '-') return false;
    return std::all_of(label.begin(), label.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

}  // namespace

std::optional<DnsName> DnsName::parse(std::string_view text) {
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    if (text.empty() || text.size() > kMaxName) return std::nullopt;
    std::size_t start = 0;
    while (true) {
        const auto dot = text.find('.', start);
        const auto label = text.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (!valid_label(label, start == 0)) return std::nullopt;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), detail::ascii_lower);
    return DnsName(std::move(out));
}

std::vector<std::string_view> DnsName::labels() const {
    std::vector<std::string_view> out;
    std::string_view rest = text_;
    while (true) {
        const auto dot = rest.find('.');
        out.push_back(rest.substr(0, dot));
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
    }
    return out;
}

std::size_t DnsName::label_count() const {
    return static_cast<std::size_t>(std::count(text_.begin(), text_.end(), '.')) + 1;
}

bool DnsName::is_at_or_below(const DnsName& zone) const noexcept {
    const auto& z = zone.text_;
    if (text_.size() == z.size()) return text_ == z;
    if (text_.size() < z.size() + 1) return false;
    return text_.compare(text_.size() - z.size(), z.size(), z) == 0 &&
           text_[text_.size() - z.size() - 1] == '.';
}

std::optional<std::string> DnsName::relative_to(const DnsName& zone) const {
    if (!is_at_or_below(zone)) return std::nullopt;
    if (text_.size() == zone.text_.size()) return std::string("@");
    return text_.substr(0, text_.size() - zone.text_.size() - 1);
}

std::optional<DnsName> DnsName::prepend(std::string_view label) const {
    if (label.empty() || label.find('.') != std::string_view::npos) return std::nullopt;
    std::string text(label);
    text += '.';
    text += text_;
    return parse(text);
}

bool DnsName::is_hostname() const noexcept {
    return text_.find_first_of("_*") == std::string::npos;
}

}  // namespace ddns
