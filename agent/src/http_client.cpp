// POCO stays in this file: one GET per call, Basic auth when asked, Retry-After read.
#include "ddns/agent/http_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <array>
#include <memory>

namespace ddns::agent {
namespace {

constexpr std::size_t kMaxBody = 64 * 1024;

Poco::Net::Context::Ptr make_context(const AgentConfig& config) {
    using Poco::Net::Context;
    // VERIFY_RELAXED on the client side verifies the server's chain; the host name is checked by
    // HTTPSClientSession against the URL.
    Context::Params params;
    params.verificationMode = Context::VERIFY_RELAXED;
    params.loadDefaultCAs = config.ca_file.empty();
    params.caLocation = config.ca_file;
    return new Context(Context::TLS_CLIENT_USE, params);
}

HttpReply get(const AgentConfig& config, const Poco::Net::Context::Ptr& context,
              const HttpRequest& request) {
    HttpReply reply;
    try {
        const Poco::URI uri(request.url);
        std::unique_ptr<Poco::Net::HTTPClientSession> session;
        if (uri.getScheme() == "https") {
            session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(),
                                                                      context);
        } else {
            session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
        }
        session->setTimeout(Poco::Timespan(config.timeout.count(), 0));
        Poco::Net::HTTPRequest http(Poco::Net::HTTPRequest::HTTP_GET, uri.getPathAndQuery(),
                                    Poco::Net::HTTPMessage::HTTP_1_1);
        http.set("User-Agent", "ddns-agent/0.1");
        if (request.basic_auth) {
            Poco::Net::HTTPBasicCredentials(config.username, config.password).authenticate(http);
        }
        session->sendRequest(http);
        Poco::Net::HTTPResponse response;
        std::istream& body = session->receiveResponse(response);
        std::string text;
        std::array<char, 4096> buffer{};
        while (text.size() < kMaxBody && body.read(buffer.data(), buffer.size()).gcount() > 0) {
            text.append(buffer.data(), static_cast<std::size_t>(body.gcount()));
        }
        reply.status = static_cast<int>(response.getStatus());
        reply.body = std::move(text);
        if (response.has("Retry-After")) {
            reply.retry_after = parse_retry_after(response.get("Retry-After"));
        }
    } catch (const Poco::Exception& e) {
        // displayText() names the host and the failure, never the query (which may hold the
        // password in DynamIP and MyServer).
        reply = HttpReply{};
        reply.error = e.className();
        reply.error += ": ";
        reply.error += e.message().substr(0, 200);
    } catch (const std::exception& e) {
        reply = HttpReply{};
        reply.error = e.what();
    }
    return reply;
}

}  // namespace

Send make_http_send(const AgentConfig& config) {
    auto context = make_context(config);
    return [config, context](const HttpRequest& request) { return get(config, context, request); };
}

Fetch make_http_fetch(const AgentConfig& config) {
    auto context = make_context(config);
    return [config, context](const std::string& url) -> std::optional<std::string> {
        const HttpReply reply = get(config, context, {url, false});
        if (reply.status != 200) return std::nullopt;
        return reply.body;
    };
}

}  // namespace ddns::agent
