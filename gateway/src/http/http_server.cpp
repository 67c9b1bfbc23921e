#include "ddns/gateway/http/http_server.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerConnectionFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <functional>
#include <istream>
#include <stdexcept>

#include "ddns/gateway/http/client_address.hpp"
#include "ddns/gateway/http/framing.hpp"
#include "head_gate.hpp"
#include "tls_context.hpp"

namespace ddns::gateway {

std::string ListenAddress::to_string() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}
namespace {

bool is_form(const Poco::Net::HTTPServerRequest& request) {
    const std::string type = request.getContentType();
    return type.rfind("application/x-www-form-urlencoded", 0) == 0;
}

class Handler final : public Poco::Net::HTTPRequestHandler {
public:
    Handler(RequestRouter& router, const Logger& log, const HttpServerOptions& options,
            const ConnectionCap& load)
        : router_(router), log_(log), options_(options), load_(load) {}

    void handleRequest(Poco::Net::HTTPServerRequest& req,
                       Poco::Net::HTTPServerResponse& resp) override {
        std::vector<Header> headers;
        for (const auto& [name, value] : req) headers.push_back({name, value});
        const Framing framing = check_framing(req.getVersion(), headers, options_.max_body_bytes);
        if (framing.refusal) return refuse(req, resp, *framing.refusal);
        // The whole body is read, whatever the route: what stays unread would be parsed as the
        // next request on this connection.
        std::string body(framing.body_length, '\0');
        req.stream().read(body.data(), static_cast<std::streamsize>(body.size()));
        if (static_cast<std::size_t>(req.stream().gcount()) != body.size())
            return refuse(req, resp, Response::text(400, "Bad Request", "incomplete body\n"));
        Response response;
        try {
            const RequestView view = to_view(req, std::move(headers), body);
            if (!forwarding_usable(view.peer, view.header("Forwarded"),
                                   view.header("X-Forwarded-For"), options_.trusted_proxies,
                                   options_.proxy_header))
                return write(req, resp,
                             Response::text(400, "Bad Request", "unusable forwarding header\n"));
            response = router_.route(view);
        } catch (const std::exception& e) {
            log_.error(std::string("unhandled error: ") + e.what());
            response = Response::text(500, "Internal Server Error", "server error\n");
        }
        write(req, resp, response);
    }

private:
    RequestView to_view(Poco::Net::HTTPServerRequest& req, std::vector<Header> headers,
                        const std::string& body) const {
        RequestView view;
        view.method = req.getMethod();
        auto target = parse_request_target(req.getURI());
        view.path = std::move(target.path);
        std::string parameters = std::move(target.query);
        // Some clients POST form parameters; accept them like query parameters.
        if (req.getMethod() == "POST" && is_form(req) && !body.empty())
            parameters += (parameters.empty() ? "" : "&") + body;
        view.query = QueryParams::parse(parameters);
        view.headers = std::move(headers);
        const auto peer = IpAddress::parse(req.clientAddress().host().toString());
        view.peer = peer.value_or(IpAddress::v4({0, 0, 0, 0}));
        view.client = resolve_client_address(view.peer, view.header("Forwarded"),
                                             view.header("X-Forwarded-For"),
                                             options_.trusted_proxies, options_.proxy_header);
        view.tls = req.secure();
        view.listener = (view.tls ? "https://" : "http://") + req.serverAddress().toString();
        view.body = body;
        return view;
    }

    // Answers and closes the connection: nothing after these headers can be trusted to start
    // the next request.
    void refuse(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp,
                const Response& response) const {
        resp.setKeepAlive(false);
        write(req, resp, response);
    }

    void write(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp,
               const Response& response) const {
        // An idle keep-alive connection holds its worker: when most workers are taken, the
        // connection ends with this response and the client comes back through the acceptor.
        if (load_.busy(options_.threads)) resp.setKeepAlive(false);
        resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status),
                                response.reason);
        resp.setChunkedTransferEncoding(false);
        resp.setContentType(response.content_type);
        resp.setContentLength64(static_cast<Poco::Int64>(response.body.size()));
        for (const auto& h : response.headers) resp.add(h.name, h.value);
        // Keep-alive stays as POCO decided it (the client's wish, the server's setting and the
        // per-connection request limit): overriding it with the client's wish alone announced
        // Keep-Alive on the last allowed response and then closed the connection.
        std::ostream& out = resp.send();
        if (req.getMethod() != "HEAD")
            out.write(response.body.data(), static_cast<std::streamsize>(response.body.size()));
        out.flush();
    }

    RequestRouter& router_;
    const Logger& log_;
    const HttpServerOptions& options_;
    const ConnectionCap& load_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Factory(RequestRouter& router, const Logger& log, const HttpServerOptions& options,
            const ConnectionCap& load)
        : router_(router), log_(log), options_(options), load_(load) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new Handler(router_, log_, options_, load_);  // POCO takes ownership
    }
    // What HTTPServer::stopAll(true) does: each open connection, idle keep-alive included,
    // stops after its current request and has its socket shut down.
    void stop_connections() { serverStopped(this, true); }

private:
    RequestRouter& router_;
    const Logger& log_;
    const HttpServerOptions& options_;
    const ConnectionCap& load_;
};

// A bound, listening socket; with `tls`, a secure one. Secure sockets do the TLS handshake in
// the request thread on the first read, so a slow TLS client never stalls the acceptor.
Poco::Net::ServerSocket listen_on(const ListenAddress& listen, const Poco::Net::Context::Ptr& tls) {
    const std::string scheme = tls ? "https://" : "http://";
    try {
        Poco::Net::ServerSocket socket;
        // POCO's servers take a plain ServerSocket; a socket is a handle, and the TLS behaviour
        // lives in the SecureServerSocketImpl it keeps, so nothing is lost in the copy.
        if (tls) socket = Poco::Net::SecureServerSocket(tls);  // NOLINT(cppcoreguidelines-slicing)
        const Poco::Net::SocketAddress address(listen.host, listen.port);
        // SO_REUSEADDR lets a restart bind while old connections sit in TIME_WAIT. SO_REUSEPORT
        // must stay off: with it a second gateway on the same port would start without an error
        // and the kernel would share the connections between the two. POCO's two-argument
        // bind() turns both on, so every call spells the flags out.
        constexpr bool kReuseAddress = true;
        constexpr bool kReusePort = false;
        if (address.family() == Poco::Net::SocketAddress::IPv6)
            socket.bind6(address, kReuseAddress, kReusePort, /*ipV6Only=*/true);
        else
            socket.bind(address, kReuseAddress, kReusePort);
        socket.listen(256);
        return socket;
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("cannot listen on " + scheme + listen.to_string() + ": " +
                                 e.displayText());
    }
}

}  // namespace

// A listening socket and what it was configured as.
struct Listener {
    ListenAddress address;  // with the bound port
    Poco::Net::ServerSocket socket;
    bool tls = false;
};

struct HttpServer::Impl {
    HttpServerOptions config;
    RequestRouter& router;
    const Logger& log;
    std::unique_ptr<Poco::ThreadPool> pool;
    std::vector<std::unique_ptr<Poco::Net::HTTPServer>> servers;
    std::unique_ptr<ConnectionCap> cap;
    std::unique_ptr<HeadGate> gate;
    std::function<void()> stop_plain_connections;
    std::vector<std::uint16_t> ports;
    std::vector<std::uint16_t> https_ports;

    std::vector<Listener> bind_all() const;
    Poco::AutoPtr<Poco::Net::HTTPServerParams> params() const;
    void serve(const Listener& listener);
    void serve_plain(const std::vector<Listener>& listeners);
};

HttpServer::HttpServer(HttpServerOptions options, RequestRouter& router, const Logger& log)
    : impl_(std::make_unique<Impl>(
          Impl{std::move(options), router, log, nullptr, {}, nullptr, nullptr, nullptr, {}, {}})) {}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::start() {
    // Every address is bound before any is served: a taken port or a bad key stops the start
    // with nothing half-served, and once one listener answers, all of them accept connections.
    const auto listeners = impl_->bind_all();
    // POCO's default pool caps at 16 threads whatever maxThreads says: give it our own. Every
    // listener, plain or TLS, takes its request threads from this one pool.
    impl_->pool =
        std::make_unique<Poco::ThreadPool>(2, static_cast<int>(impl_->config.threads), 60);
    impl_->cap = std::make_unique<ConnectionCap>(impl_->config.max_connections_per_address,
                                                 impl_->config.trusted_proxies);
    impl_->serve_plain(listeners);
    for (const auto& listener : listeners)
        if (listener.tls) impl_->serve(listener);
}

std::vector<Listener> HttpServer::Impl::bind_all() const {
    Poco::Net::Context::Ptr tls;
    if (!config.https_listen.empty()) {
        auto context = make_tls_server_context(config);
        if (!context) throw std::runtime_error(context.error());
        tls = *context;
    }
    std::vector<Listener> out;
    for (const auto* list : {&config.http_listen, &config.https_listen}) {
        const bool secure = list == &config.https_listen;
        for (const auto& listen : *list) {
            auto socket = listen_on(listen, secure ? tls : nullptr);
            const auto port = socket.address().port();
            out.push_back(Listener{ListenAddress{listen.host, port}, socket, secure});
        }
    }
    return out;
}

Poco::AutoPtr<Poco::Net::HTTPServerParams> HttpServer::Impl::params() const {
    auto params = Poco::AutoPtr<Poco::Net::HTTPServerParams>(new Poco::Net::HTTPServerParams);
    params->setMaxThreads(static_cast<int>(config.threads));
    params->setMaxQueued(static_cast<int>(config.max_queued));
    params->setKeepAlive(config.max_keepalive_requests > 0);
    params->setMaxKeepAliveRequests(static_cast<int>(config.max_keepalive_requests));
    params->setKeepAliveTimeout(Poco::Timespan(config.keepalive_timeout.count(), 0));
    params->setTimeout(Poco::Timespan(10, 0));
    params->setServerName("ddns-gateway");
    params->setSoftwareVersion("ddns-gateway");
    return params;
}

// The plain listeners share one acceptor (HeadGate) that hands a connection to the pool only
// once its request head has arrived; POCO parses and answers it from there as before.
void HttpServer::Impl::serve_plain(const std::vector<Listener>& listeners) {
    std::vector<Poco::Net::ServerSocket> sockets;
    for (const auto& listener : listeners) {
        if (listener.tls) continue;
        sockets.push_back(listener.socket);
        ports.push_back(listener.address.port);
    }
    if (sockets.empty()) return;
    auto* factory = new Factory(router, log, config, *cap);
    auto handlers = Poco::Net::HTTPRequestHandlerFactory::Ptr(factory);
    // `handlers` keeps the factory alive for as long as the function.
    stop_plain_connections = [handlers, factory] { factory->stop_connections(); };
    const auto p = params();
    auto connections =
        counted_connections(new Poco::Net::HTTPServerConnectionFactory(p, handlers), *cap);
    auto* dispatcher = new Poco::Net::TCPServerDispatcher(connections, *pool, p);
    gate = std::make_unique<HeadGate>(
        std::move(sockets), dispatcher, *cap,
        HeadGateOptions{
            std::chrono::duration_cast<std::chrono::milliseconds>(config.header_timeout),
            16 * 1024});
    dispatcher->release();  // the gate holds its own reference
    gate->start();
    for (const auto& listener : listeners)
        if (!listener.tls) log.info("listening on http://" + listener.address.to_string());
}

// TLS listeners keep POCO's own acceptor: the handshake happens in the worker (see design.md).
void HttpServer::Impl::serve(const Listener& listener) {
    const auto params = this->params();
    (listener.tls ? https_ports : ports).push_back(listener.address.port);
    auto factory =
        Poco::Net::HTTPRequestHandlerFactory::Ptr(new Factory(router, log, config, *cap));
    servers.push_back(
        std::make_unique<Poco::Net::HTTPServer>(factory, *pool, listener.socket, params));
    servers.back()->start();
    log.info(std::string("listening on ") + (listener.tls ? "https://" : "http://") +
             listener.address.to_string());
}

void HttpServer::stop() {
    if (!impl_) return;
    if (impl_->gate) impl_->gate->stop();
    impl_->gate.reset();
    if (impl_->stop_plain_connections) impl_->stop_plain_connections();
    for (auto& server : impl_->servers) server->stopAll(true);
    impl_->servers.clear();
    if (impl_->pool) impl_->pool->joinAll();
}

std::vector<std::uint16_t> HttpServer::ports() const {
    return impl_->ports;
}

std::vector<std::uint16_t> HttpServer::https_ports() const {
    return impl_->https_ports;
}

std::size_t HttpServer::threads_busy() const {
    return impl_->pool ? static_cast<std::size_t>(impl_->pool->used()) : 0;
}

// Plain connections count from the worker's first byte to the close (HeadGate holds the rest);
// TLS connections as POCO's servers count them.
std::size_t HttpServer::connections_open() const {
    std::size_t n = impl_->cap ? impl_->cap->active() : 0;
    for (const auto& server : impl_->servers)
        n += static_cast<std::size_t>(server->currentConnections());
    return n;
}

}  // namespace ddns::gateway
