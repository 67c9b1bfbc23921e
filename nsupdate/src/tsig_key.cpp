// TSIG algorithm names and key-file parsing (the format `tsig-keygen` prints, as in named.conf).
#include "ddns/nsupdate/tsig_key.hpp"

#include <array>
#include <utility>
#include <vector>

#include "ascii.hpp"

namespace ddns {
namespace {

constexpr std::array<std::pair<TsigAlgorithm, std::string_view>, 5> kAlgorithms{{
    {TsigAlgorithm::HmacSha1, "hmac-sha1"},
    {TsigAlgorithm::HmacSha224, "hmac-sha224"},
    {TsigAlgorithm::HmacSha256, "hmac-sha256"},
    {TsigAlgorithm::HmacSha384, "hmac-sha384"},
    {TsigAlgorithm::HmacSha512, "hmac-sha512"},
}};

struct Token {
    enum Kind { Word, String, Open, Close, Semi, End } kind = End;
    std::string_view text;
    int line = 1;
};

// named.conf-style lexer: words, "strings", { } ;, and #, //, /* */ comments.
class Lexer {
public:
    explicit Lexer(std::string_view text) : text_(text) {}

    // Returns false (with `error` set) on an unterminated comment or string.
    bool next(Token& token, std::string& error) {
        skip_space_and_comments(error);
        if (!error.empty()) return false;
        token.line = line_;
        if (pos_ >= text_.size()) {
            token = {Token::End, {}, line_};
            return true;
        }
        const char c = text_[pos_];
        if (c == '{' || c == '}' || c == ';') {
            token.kind = c == '{' ? Token::Open : c == '}' ? Token::Close : Token::Semi;
            token.text = text_.substr(pos_++, 1);
            return true;
        }
        if (c == '"') {
            const auto end = text_.find('"', pos_ + 1);
            if (end == std::string_view::npos) {
                error = "line " + std::to_string(line_) + ": unterminated string";
                return false;
            }
            token.kind = Token::String;
            token.text = text_.substr(pos_ + 1, end - pos_ - 1);
            for (const char ch : token.text) line_ += ch == '\n' ? 1 : 0;
            pos_ = end + 1;
            return true;
        }
        const auto start = pos_;
        while (pos_ < text_.size() && !is_space(text_[pos_]) &&
               std::string_view("{};\"#").find(text_[pos_]) == std::string_view::npos &&
               !text_.substr(pos_).starts_with("//") && !text_.substr(pos_).starts_with("/*")) {
            ++pos_;
        }
        token.kind = Token::Word;
        token.text = text_.substr(start, pos_ - start);
        return true;
    }

private:
    static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

    void skip_space_and_comments(std::string& error) {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (is_space(c)) {
                line_ += c == '\n' ? 1 : 0;
                ++pos_;
            } else if (c == '#' || text_.substr(pos_).starts_with("//")) {
                while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
            } else if (text_.substr(pos_).starts_with("/*")) {
                const auto end = text_.find("*/", pos_ + 2);
                if (end == std::string_view::npos) {
                    error = "line " + std::to_string(line_) + ": unterminated comment";
                    return;
                }
                for (auto i = pos_; i < end; ++i) line_ += text_[i] == '\n' ? 1 : 0;
                pos_ = end + 2;
            } else {
                return;
            }
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    int line_ = 1;
};

Unexpected<std::string> fail(const Token& at, std::string_view what) {
    return Unexpected{"line " + std::to_string(at.line) + ": " + std::string(what)};
}

}  // namespace

std::string_view to_string(TsigAlgorithm algorithm) noexcept {
    for (const auto& [a, name] : kAlgorithms) {
        if (a == algorithm) return name;
    }
    return "hmac-sha256";
}

std::optional<TsigAlgorithm> parse_tsig_algorithm(std::string_view text) noexcept {
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    for (const auto& [a, name] : kAlgorithms)
        if (detail::ascii_iequals(text, name)) return a;
    return std::nullopt;
}

Expected<TsigKey, std::string> make_tsig_key(std::string_view name, std::string_view algorithm,
                                             std::string_view secret_base64) {
    auto key_name = DnsName::parse(name);
    if (!key_name) return Unexpected{std::string("invalid key name")};
    const auto alg = parse_tsig_algorithm(algorithm);
    if (!alg) return Unexpected{std::string("unsupported TSIG algorithm")};
    auto secret = decode_base64_secret(secret_base64);
    if (!secret) return Unexpected{std::string("key secret is not valid base64")};
    return TsigKey{std::move(*key_name), *alg, std::move(*secret)};
}

Expected<TsigKey, std::string> parse_tsig_key_file(std::string_view text) {
    // Token texts are never copied into error messages: a malformed file may hold the secret
    // anywhere.
    Lexer lexer(text);
    std::string error;
    Token tok;
    auto next = [&]() { return lexer.next(tok, error); };

    if (!next()) return Unexpected{error};
    if (tok.kind != Token::Word || tok.text != "key") return fail(tok, "expected 'key'");
    if (!next()) return Unexpected{error};
    if (tok.kind != Token::Word && tok.kind != Token::String) return fail(tok, "expected key name");
    const std::string_view name = tok.text;
    const int name_line = tok.line;
    if (!next()) return Unexpected{error};
    if (tok.kind != Token::Open) return fail(tok, "expected '{'");

    std::optional<std::string_view> algorithm;
    std::optional<std::string_view> secret;
    int algorithm_line = 0;
    while (true) {
        if (!next()) return Unexpected{error};
        if (tok.kind == Token::Close) break;
        if (tok.kind != Token::Word) return fail(tok, "expected 'algorithm', 'secret' or '}'");
        const bool is_alg = tok.text == "algorithm";
        const bool is_secret = tok.text == "secret";
        if (!is_alg && !is_secret) return fail(tok, "unknown statement in key block");
        if ((is_alg && algorithm) || (is_secret && secret)) return fail(tok, "duplicate statement");
        if (!next()) return Unexpected{error};
        if (tok.kind != Token::Word && tok.kind != Token::String) {
            return fail(tok, is_alg ? "expected algorithm name" : "expected secret");
        }
        if (is_alg) {
            algorithm = tok.text;
            algorithm_line = tok.line;
        } else {
            secret = tok.text;
        }
        if (!next()) return Unexpected{error};
        if (tok.kind != Token::Semi) return fail(tok, "expected ';'");
    }
    if (!next()) return Unexpected{error};
    if (tok.kind != Token::Semi) return fail(tok, "expected ';' after '}'");
    if (!next()) return Unexpected{error};
    if (tok.kind != Token::End) return fail(tok, "unexpected text after the key block");
    if (!algorithm) return Unexpected{std::string("key block has no algorithm")};
    if (!secret) return Unexpected{std::string("key block has no secret")};

    auto key_name = DnsName::parse(name);
    if (!key_name) return Unexpected{"line " + std::to_string(name_line) + ": invalid key name"};
    const auto alg = parse_tsig_algorithm(*algorithm);
    if (!alg) {
        return Unexpected{"line " + std::to_string(algorithm_line) +
                          ": unsupported TSIG algorithm"};
    }
    auto decoded = decode_base64_secret(*secret);
    if (!decoded) return Unexpected{std::string("key secret is not valid base64")};
    return TsigKey{std::move(*key_name), *alg, std::move(*decoded)};
}

}  // namespace ddns
