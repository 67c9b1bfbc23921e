#include "tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <Poco/Exception.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <system_error>

#include "ddns/gateway/http/tls.hpp"

namespace ddns::gateway {
namespace {

// TLS 1.2 suites of Mozilla's "intermediate" profile: ECDHE key exchange and AEAD ciphers only
// (no DHE, so no DH parameters to manage). TLS 1.3 keeps OpenSSL's default suites.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

struct OpenSslFailure {
    std::string reason;  // a fixed text like "no start line", never file contents
    bool key_mismatch = false;
};

// Drains OpenSSL's error queue. The first error is the one closest to the cause ("no start line",
// "bad decrypt"); the later ones only say "PEM lib".
OpenSslFailure take_openssl_failure() {
    OpenSslFailure out;
    while (const unsigned long code = ERR_get_error()) {
        const char* reason = ERR_reason_error_string(code);
        if (out.reason.empty() && reason != nullptr) out.reason = reason;
        if (ERR_GET_LIB(code) == ERR_LIB_X509 && ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH)
            out.key_mismatch = true;
    }
    if (out.reason.empty()) out.reason = "unknown error";
    return out;
}

// Without a callback OpenSSL would ask for a passphrase on the terminal, and POCO's default
// callback goes through its SSLManager singleton. Refusing makes an encrypted key a clear error.
int refuse_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
    return 0;
}

// Checked before OpenSSL sees the file, so a missing or unreadable file is named with the
// system's reason rather than OpenSSL's.
std::optional<std::string> unreadable(const std::string& what, const std::string& path) {
    std::error_code ignored;
    if (std::filesystem::is_directory(path, ignored))
        return "the " + what + " " + path + " is a directory";
    std::FILE* file = std::fopen(path.c_str(), "r");
    if (file != nullptr) {
        std::fclose(file);
        return std::nullopt;
    }
    const std::string reason = std::error_code(errno, std::generic_category()).message();
    return "cannot read the " + what + " " + path + ": " + reason;
}

Expected<Poco::Net::Context::Ptr, std::string> new_context() {
    Poco::Net::Context::Params params;  // no files here: they are loaded below, with our errors
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;  // clients present no certificate
    params.loadDefaultCAs = false;
    params.cipherList = kTls12Ciphers;
    params.dhUse2048Bits = true;
    try {
        Poco::Net::Context::Ptr context =
            new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
        // Refuses SSLv2, SSLv3, TLS 1.0 and TLS 1.1.
        context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
        context->preferServerCiphers();
        return context;
    } catch (const Poco::Exception& e) {
        return Unexpected{"cannot set up TLS: " + e.displayText()};
    }
}

}  // namespace

Expected<Poco::Net::Context::Ptr, std::string> make_tls_server_context(
    const HttpServerOptions& config) {
    const std::string& cert = config.tls_certificate;
    const std::string& key = config.tls_private_key;
    if (auto error = unreadable("TLS certificate file", cert)) return Unexpected{*error};
    if (auto error = unreadable("TLS private key file", key)) return Unexpected{*error};
    auto context = new_context();
    if (!context) return context;
    SSL_CTX* ssl = (*context)->sslContext();
    SSL_CTX_set_default_passwd_cb(ssl, &refuse_passphrase);
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ssl, cert.c_str()) != 1) {
        return Unexpected{"cannot load the TLS certificate file " + cert + " (" +
                          take_openssl_failure().reason +
                          "): it must hold the server's PEM certificate, then any intermediates"};
    }
    const std::string mismatch =
        "the TLS private key file " + key + " does not belong to the certificate in " + cert;
    if (SSL_CTX_use_PrivateKey_file(ssl, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        const auto failure = take_openssl_failure();
        if (failure.key_mismatch) return Unexpected{mismatch};
        return Unexpected{"cannot load the TLS private key file " + key + " (" + failure.reason +
                          "): it must hold one unencrypted PEM private key"};
    }
    // A key of another type than the certificate's loads without complaint; this catches it.
    if (SSL_CTX_check_private_key(ssl) != 1) {
        ERR_clear_error();
        return Unexpected{mismatch};
    }
    return context;
}

std::optional<std::string> check_tls_files(const HttpServerOptions& config) {
    if (config.https_listen.empty()) return std::nullopt;
    auto context = make_tls_server_context(config);
    if (!context) return context.error();
    return std::nullopt;
}

}  // namespace ddns::gateway
