// The yardstick of the side-by-side benchmark: a hello-world HTTP server on POCO's HTTPServer
// with the gateway's thread settings (request threads, queue, keep-alive limits). It answers
// every request with a short text/plain body, the size of a dyndns2 answer, and never touches
// a database: its rate is the HTTP ceiling of this machine.
//
//   ddns_poco_hello PORT THREADS MAX_QUEUED MAX_KEEPALIVE_REQUESTS KEEPALIVE_SECONDS
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

class Hello final : public Poco::Net::HTTPRequestHandler {
public:
    void handleRequest(Poco::Net::HTTPServerRequest&,
                       Poco::Net::HTTPServerResponse& response) override {
        static const std::string body = "nochg 192.0.2.1";
        response.setContentType("text/plain; charset=utf-8");
        response.setContentLength(static_cast<std::streamsize>(body.size()));
        response.sendBuffer(body.data(), body.size());
    }
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new Hello;
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr,
                     "usage: ddns_poco_hello PORT THREADS MAX_QUEUED MAX_KEEPALIVE_REQUESTS "
                     "KEEPALIVE_SECONDS\n");
        return 2;
    }
    const auto port = static_cast<Poco::UInt16>(std::atoi(argv[1]));
    const int threads = std::atoi(argv[2]);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);

    auto* params = new Poco::Net::HTTPServerParams;  // the server takes ownership
    params->setMaxThreads(threads);
    params->setMaxQueued(std::atoi(argv[3]));
    params->setMaxKeepAliveRequests(std::atoi(argv[4]));
    params->setKeepAlive(std::atoi(argv[4]) > 0);
    params->setKeepAliveTimeout(Poco::Timespan(std::atoi(argv[5]), 0));
    Poco::ThreadPool pool(threads, threads);
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", port), 1024);
    Poco::Net::HTTPServer server(new Factory, pool, socket, params);
    server.start();
    std::fprintf(stderr, "listening on 127.0.0.1:%u with %d threads\n", port, threads);
    int signal = 0;
    sigwait(&stop, &signal);
    server.stop();
    return 0;
}
