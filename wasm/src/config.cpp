#include "tracker/config.hpp"

#include <utility>
#include <vector>

#include "json_scan.hpp"
#include "json_text.hpp"
#include "tracker/uuid.hpp"

namespace tracker {
namespace {

using detail::JsonKind;

// A field as read: a view of its stored string, which holds its kind (one char) and its text.
class Field {
 public:
  explicit Field(const std::string* stored = nullptr) : stored_(stored) {}
  explicit operator bool() const { return stored_ != nullptr; }
  JsonKind kind() const { return static_cast<JsonKind>((*stored_)[0]); }
  std::string_view text() const { return std::string_view(*stored_).substr(1); }

 private:
  const std::string* stored_;
};

// Every key of options.tracker (and of its sections) that the tracker honours, core or glue, as
// " section.key " tokens (one search each: a table of strings costs the wasm far less than code).
// Anything else is named in one warning at start: a typo or an option of another Tracardi version
// silently doing nothing is how sites lose data without noticing.
constexpr std::string_view kKnownKeys =
    " url source profile context settings auto external url.api url.script source.id profile.id"
    " context.browser context.screen context.page context.utm context.tracardiPass"
    " context.performance context.location context.gpu context.cookies context.storage"
    " settings.respectDoNotTrack settings.trackExternalLinks settings.transport"
    " settings.logDeferred settings.debug settings.pageViews settings.uxOrigins settings.uxNonce"
    " settings.consent settings.consentDenied settings.respectGlobalPrivacyControl settings.redact"
    " settings.beforeSend"
    " auto.events auto.triggers ";
// Sections whose own keys are checked (external is a list; its items are the glue's business).
constexpr std::string_view kCheckedSections = " url source profile context settings auto ";

bool listed(std::string_view table, std::string_view key) {
  // A plain token walk: string_view::find would pull a general search routine into the wasm.
  for (std::size_t i = 1, end; i < table.size(); i = end + 1) {
    end = table.find(' ', i);
    if (table.substr(i, end - i) == key) return true;
  }
  return false;
}

class Fields {
 public:
  bool read(std::string_view text) {
    detail::JsonScanner scanner;
    scanner.on_value = [this](const detail::JsonPath& path, JsonKind kind, std::string_view v) {
      if (path.empty() || path.size() > 3 || path[0] != "tracker") return;  // the glue's business
      // "tracker.section.key": the dotted path is both the field's name and, after "tracker.",
      // the token looked up in kKnownKeys.
      std::string key = path[0];
      for (std::size_t i = 1; i < path.size(); ++i) {
        key += '.';
        key += path[i];
      }
      if (path.size() >= 2 && (path.size() == 2 || (listed(kCheckedSections, path[1]) && path[2] != "[]"))) {
        const std::string_view name = std::string_view(key).substr(8);  // after "tracker."
        if (!listed(kKnownKeys, name)) {
          unknown_ += ", options.";
          unknown_ += key;
        } else if ((name == "context.cookies" || name == "context.storage") && kind == JsonKind::boolean &&
                   v == "true") {
          // liliput's dumps of every cookie and localStorage item (field explosion, and they
          // carry other scripts' secrets); off is their default, so only `true` is named.
          unknown_ += ", options.";
          unknown_ += key;
          unknown_ += " (not supported: privacy)";
        }
      }
      // The options paths the core reads; everything else in the object is the glue's business.
      if (path.size() < 3 || listed(" url source profile settings ", path[1])) {
        std::string value;
        value += static_cast<char>(kind);
        value.append(v.data(), v.size());
        // A repeated key: the last value counts, as in JSON.parse.
        for (std::size_t i = 0; i < fields_.size(); i += 2) {
          if (fields_[i] == key) {
            fields_[i + 1] = std::move(value);
            return;
          }
        }
        fields_.push_back(std::move(key));
        fields_.push_back(std::move(value));
      }
    };
    return scanner.scan(text) && scanner.root == JsonKind::object;
  }
  Field get(std::string_view key) const {
    for (std::size_t i = 0; i < fields_.size(); i += 2) {
      if (fields_[i] == key) return Field(&fields_[i + 1]);
    }
    return Field();
  }
  static const char* type_name(Field f) { return f ? detail::kind_name(f.kind()) : "missing"; }
  // ", key, key" of the keys nobody reads, or empty.
  const std::string& unknown() const { return unknown_; }

 private:
  // The few option fields read, in document order, flat: name, stored value (see Field), name,
  // ... A linear search over a dozen entries is smaller wasm than a sorted map's insertion, and a
  // vector of strings brings no growth code of its own (a vector of pairs would).
  std::vector<std::string> fields_;
  std::string unknown_;
};

}  // namespace

namespace {

// parse_config's checks, filling `c` in place (inside r.config: no Config is moved into it).
// Returns at the first error, with r.error set.
void read_config(std::string_view options_json, ConfigResult& r, Config& c) {
  Fields f;
  if (!f.read(options_json)) {
    r.error = "options must be an object ({tracker: {url: {api}, source: {id}}})";
    return;
  }
  auto expect = [&r, &f](const char* key, JsonKind kind, const char* what) -> Field {
    const Field v = f.get(key);
    if (!v || v.kind() != kind) {
      r.error = detail::Cat() << "options." << key << " must be " << what << ", got " << Fields::type_name(v);
      return Field();
    }
    return v;
  };
  if (!expect("tracker", JsonKind::object, "an object") || !expect("tracker.url", JsonKind::object, "an object"))
    return;
  const Field api = expect("tracker.url.api", JsonKind::string, "a string URL");
  if (!api) return;
  c.api_url = std::string(detail::trim(api.text()));
  while (!c.api_url.empty() && c.api_url.back() == '/') c.api_url.pop_back();
  if (c.api_url.empty()) {
    r.error = "options.tracker.url.api must not be empty";
    return;
  }
  c.track_url = c.api_url + "/track";

  const Field source_id = expect("tracker.source.id", JsonKind::string, "a string");
  if (!source_id) return;
  c.source_id = std::string(detail::trim(source_id.text()));
  if (c.source_id.empty()) {
    r.error = "options.tracker.source.id must not be empty";
    return;
  }
  if (c.source_id.front() == '@') {
    r.error = "options.tracker.source.id must not start with '@' (/track refuses internal sources)";
    return;
  }

  if (const Field profile = f.get("tracker.profile"); profile && profile.kind() != JsonKind::null) {
    const Field pid = f.get("tracker.profile.id");
    if (profile.kind() != JsonKind::object || !pid || pid.kind() != JsonKind::string) {
      r.error = std::string("options.tracker.profile.id must be a string, got ") +
                Fields::type_name(profile.kind() == JsonKind::object ? pid : profile);
      return;
    }
    std::string id(detail::trim(pid.text()));
    if (id.empty()) {
      // Sites render `profile: {id: "<%= user_id %>"}` and get "" for anonymous visitors. Refusing
      // the whole configuration would lose every event of those visitors; Tracardi would answer
      // 500 to a blank static id anyway, so the tracker sends the stored/server id instead.
      r.warnings.push_back("options.tracker.profile.id is blank: the visitor's stored profile id is sent instead");
    } else {
      if (!is_uuid4(id)) {
        r.warnings.push_back("options.tracker.profile.id \"" + id.substr(0, 64) +
                             "\" is not a UUIDv4: a guessable id lets anyone write into that profile");
      }
      c.static_profile_id = std::move(id);
    }
  }

  if (const Field settings = f.get("tracker.settings"); settings) {
    if (settings.kind() != JsonKind::object) {
      r.error = std::string("options.tracker.settings must be an object, got ") + Fields::type_name(settings);
      return;
    }
    if (const Field t = f.get("tracker.settings.transport"); t) {
      if (t.kind() != JsonKind::string || (t.text() != "fetch" && t.text() != "beacon")) {
        r.error = "options.tracker.settings.transport must be \"fetch\" or \"beacon\"";
        return;
      }
      c.beacon_transport = t.text() == "beacon";
    }
    if (const Field l = f.get("tracker.settings.logDeferred"); l) {
      if (l.kind() != JsonKind::boolean) {
        r.error = "options.tracker.settings.logDeferred must be a boolean";
        return;
      }
      c.log_deferred = l.text() == "true";
    }
    // A consent value the tracker cannot read runs nothing (an error names it): guessing
    // "granted" could store and send before the visitor was asked.
    if (const Field v = f.get("tracker.settings.consent"); v) {
      const std::string_view t = v.kind() == JsonKind::string ? v.text() : std::string_view();
      if (t != "granted" && t != "pending" && t != "denied") {
        r.error = "options.tracker.settings.consent must be \"granted\", \"pending\" or \"denied\"";
        return;
      }
      c.consent = t == "granted" ? Consent::granted : t == "pending" ? Consent::pending : Consent::denied;
    }
    if (const Field g = f.get("tracker.settings.respectGlobalPrivacyControl"); g) c.respect_gpc = g.kind() == JsonKind::boolean && g.text() == "true";
    if (const Field d = f.get("tracker.settings.consentDenied"); d) {
      if (d.kind() != JsonKind::string || (d.text() != "drop" && d.text() != "anonymous")) {
        r.error = "options.tracker.settings.consentDenied must be \"drop\" or \"anonymous\"";
        return;
      }
      c.consent_anonymous = d.text() == "anonymous";
    }
  }
  if (!f.unknown().empty()) {
    r.warnings.push_back("options.tracker has keys it ignores (unknown or unsupported): " +
                         f.unknown().substr(2));
  }
}

}  // namespace

ConfigResult parse_config(std::string_view options_json) {
  ConfigResult r;
  read_config(options_json, r, r.config.emplace());
  if (!r.error.empty()) r.config.reset();
  return r;
}

}  // namespace tracker
