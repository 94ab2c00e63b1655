#include "cli.hpp"

#include <cerrno>
#include <cstdlib>

namespace collector {

std::string usage() {
  return "usage: collector [--host 127.0.0.1] [--port 8686] [--db ./tracker-demo.db]\n"
         "                 [--sources FILE] [--site DIR] [--tracker DIR] [--max-body BYTES]\n"
         "                 [--accept-text-plain] [--mint-ids]\n"
         "  --mint-ids  store every event under a fresh server uuid4 and ignore the payload's\n"
         "              event id, as Tracardi 0.8.x does (0.8.1 checked): each copy a client\n"
         "              sends is another stored event. The payload's id is kept as `client_id`\n"
         "              in GET /events. Default: events are unique on the payload's id (as in\n"
         "              Tracardi master); a repeated id counts in `duplicates`.\n";
}

std::string default_sources_path() {
#ifdef COLLECTOR_DEFAULT_SOURCES
  return COLLECTOR_DEFAULT_SOURCES;
#else
  return "";
#endif
}

namespace {
bool parse_number(const std::string& text, long long min, long long max, long long& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max) return false;
  out = v;
  return true;
}
}  // namespace

CliResult parse_cli(const std::vector<std::string>& args) {
  CliResult r;
  auto fail = [&](const std::string& msg) {
    r.ok = false;
    r.error = msg;
    return r;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      r.help = true;
      continue;
    }
    if (a == "--accept-text-plain") {
      r.options.accept_text_plain = true;
      continue;
    }
    if (a == "--mint-ids") {
      r.options.mint_ids = true;
      continue;
    }
    std::string name = a, value;
    bool has_value = false;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    }
    static const char* const kValued[] = {"--host", "--port", "--db", "--sources",
                                          "--site", "--tracker", "--max-body"};
    bool known = false;
    for (const char* k : kValued) known = known || name == k;
    if (!known) return fail("unknown option: " + a);
    if (!has_value) {
      if (i + 1 >= args.size()) return fail("option " + name + " needs a value");
      value = args[++i];
    }
    long long n = 0;
    if (name == "--host") {
      if (value.empty()) return fail("--host needs a value");
      r.options.host = value;
    } else if (name == "--port") {
      if (!parse_number(value, 0, 65535, n)) return fail("--port must be 0-65535: " + value);
      r.options.port = static_cast<int>(n);
    } else if (name == "--db") {
      r.options.db_path = value;
    } else if (name == "--sources") {
      r.options.sources_path = value;
    } else if (name == "--site") {
      r.options.site_dir = value;
    } else if (name == "--tracker") {
      r.options.tracker_dir = value;
    } else if (name == "--max-body") {
      if (!parse_number(value, 1, 1LL << 30, n))
        return fail("--max-body must be 1..1073741824 bytes: " + value);
      r.options.max_body = static_cast<size_t>(n);
    }
  }
  return r;
}

}  // namespace collector
