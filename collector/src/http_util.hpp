// Small helpers shared by the server: ids, clocks, CORS, MIME types, peer checks.
#pragma once

#include <cstdint>
#include <string>

namespace httplib {
struct Request;
struct Response;
class Server;
}  // namespace httplib

namespace collector {

std::string uuid4();
int64_t now_ms();
// Python's str.strip() for the ASCII whitespace that matters in ids and event types.
std::string strip(const std::string& s);

// True for 127.0.0.0/8, ::1 and IPv4-mapped ::ffff:127.x. Admin endpoints use it.
bool is_loopback_address(const std::string& addr);

// CORS by path, only when the request has an Origin:
//  - /__admin/*: none (same-origin callers need none; nobody else may read the answers);
//  - the read API (/events, /requests, /summary, /health): `*` without credentials, so any page (the demo's
//    panels on another origin) can read it but never with the user's cookies;
//  - everything else (/track, static files): Starlette CORSMiddleware(allow_origins=["*"],
//    allow_credentials=True, allow_methods=["*"], allow_headers=["*"],
//    expose_headers=["Retry-After"]): with credentials allowed it must echo the Origin rather than
//    "*", and Retry-After must be exposed or a cross-origin tracker reads it as "".
void apply_cors(const httplib::Request& req, httplib::Response& res);
// Answers a preflight (OPTIONS) the way Starlette does: 200 "OK" plus the allow-* headers.
void answer_preflight(const httplib::Request& req, httplib::Response& res);

// Explicit mappings so static files never depend on the library version's table;
// `.wasm` must be application/wasm for WebAssembly.instantiateStreaming.
void register_mime_types(httplib::Server& server);

// Closes the request's TCP connection without an answer (a "network error" for the browser).
// httplib hands handlers no socket, so we find ours by its local and peer address and port.
bool drop_connection(const httplib::Request& req);

// FastAPI's rule for "is this body JSON": no Content-Type, application/json or application/*+json.
bool is_json_content_type(const std::string& content_type);
bool is_text_plain(const std::string& content_type);

}  // namespace collector
