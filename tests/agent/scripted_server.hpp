// A scripted HTTP server on loopback for the agent's tests: answers from a queue and records
// each request with the time it came.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace ddns::test {

using Clock = std::chrono::steady_clock;

struct Scripted {
    std::string body;
    int retry_after = -1;
    int status = 200;
};

struct Seen {
    std::string target;
    std::string authorization;
    Clock::time_point at;
};

class ScriptedServer {
public:
    ScriptedServer()
        : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)),
          server_(new Factory(*this), socket_, new Poco::Net::HTTPServerParams) {
        server_.start();
    }
    ~ScriptedServer() { server_.stopAll(true); }
    std::uint16_t port() const { return socket_.address().port(); }
    void push(Scripted s) {
        std::lock_guard lock(mutex_);
        script_.push_back(std::move(s));
    }
    std::vector<Seen> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }
    std::size_t count() { return seen().size(); }

private:
    class Handler : public Poco::Net::HTTPRequestHandler {
    public:
        explicit Handler(ScriptedServer& s) : s_(s) {}
        void handleRequest(Poco::Net::HTTPServerRequest& request,
                           Poco::Net::HTTPServerResponse& response) override {
            Scripted reply{"911", -1, 200};
            {
                std::lock_guard lock(s_.mutex_);
                s_.seen_.push_back(
                    {request.getURI(), request.get("Authorization", ""), Clock::now()});
                if (!s_.script_.empty()) {
                    reply = s_.script_.front();
                    s_.script_.pop_front();
                }
            }
            response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
            if (reply.retry_after >= 0)
                response.set("Retry-After", std::to_string(reply.retry_after));
            response.setContentType("text/plain");
            response.sendBuffer(reply.body.data(), reply.body.size());
        }

    private:
        ScriptedServer& s_;
    };
    class Factory : public Poco::Net::HTTPRequestHandlerFactory {
    public:
        explicit Factory(ScriptedServer& s) : s_(s) {}
        Poco::Net::HTTPRequestHandler* createRequestHandler(
            const Poco::Net::HTTPServerRequest&) override {
            return new Handler(s_);
        }

    private:
        ScriptedServer& s_;
    };

    std::mutex mutex_;
    std::deque<Scripted> script_;
    std::vector<Seen> seen_;
    Poco::Net::ServerSocket socket_;
    Poco::Net::HTTPServer server_;
};

}  // namespace ddns::test
