// A map as a sorted vector, for the core's few small maps (a dozen config keys, a handful of
// requests in flight, a few drop reasons). Iterates in key order like std::map, which the JSON
// the core writes depends on, but costs the wasm no red-black tree code (std::map's insert and
// rebalance functions are instantiated per key type).
#pragma once

#include <algorithm>
#include <cstdlib>
#include <utility>
#include <vector>

namespace tracker {

// Inserts `value` at `pos` by appending it and swapping it down into place. vector::insert and
// emplace at a position are instantiated per element type (~0.8 KB of wasm each, for a shift
// that these few-element vectors never need to be fast); push_back and swap cost a fraction.
template <class T>
void insert_at(std::vector<T>& items, std::size_t pos, T&& value) {
  items.push_back(std::move(value));
  for (std::size_t i = items.size() - 1; i > pos; --i) std::swap(items[i], items[i - 1]);
}

template <class K, class V>
class FlatMap {
 public:
  using value_type = std::pair<K, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }

  // Iterators and references are invalidated by any insertion or erasure (unlike std::map's).
  template <class Key>
  iterator find(const Key& key) {
    auto it = lower(key);
    return it != items_.end() && !(key < it->first) ? it : items_.end();
  }
  template <class Key>
  const_iterator find(const Key& key) const {
    return const_cast<FlatMap*>(this)->find(key);
  }
  // A linear search: the maps it serves hold a handful of keys, and a binary search's code per
  // key type costs the wasm more than the scan.
  template <class Key>
  V& operator[](const Key& key) {
    std::size_t pos = 0;
    while (pos < items_.size() && items_[pos].first < key) ++pos;
    if (pos == items_.size() || key < items_[pos].first) insert_at(items_, pos, value_type(K(key), V()));
    return items_[pos].second;
  }
  // For keys known to be present (tests); a missing key is a bug, and exceptions are off.
  template <class Key>
  const V& at(const Key& key) const {
    auto it = find(key);
    if (it == items_.end()) std::abort();
    return it->second;
  }
  void emplace(K key, V value) {
    auto it = lower(key);
    if (it == items_.end() || key < it->first) {
      insert_at(items_, static_cast<std::size_t>(it - items_.begin()), value_type(std::move(key), std::move(value)));
    }
  }
  // For keys that arrive in ascending order (request ids from a counter): no search, and a shift
  // only for a key below the last one (the counter wrapped). A present key is not looked for.
  // Returns the new value, default-constructed, to be filled in place (no move of a filled one).
  V& append(K key) {
    items_.emplace_back(std::move(key), V());
    std::size_t i = items_.size() - 1;
    for (; i > 0 && items_[i].first < items_[i - 1].first; --i) std::swap(items_[i], items_[i - 1]);
    return items_[i].second;
  }
  template <class Key>
  std::size_t erase(const Key& key) {
    auto it = find(key);
    if (it == items_.end()) return 0;
    items_.erase(it);
    return 1;
  }

 private:
  template <class Key>
  iterator lower(const Key& key) {
    return std::lower_bound(items_.begin(), items_.end(), key,
                            [](const value_type& item, const Key& k) { return item.first < k; });
  }
  std::vector<value_type> items_;
};

}  // namespace tracker
