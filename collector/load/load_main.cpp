// collector_load: placeholder until the load test lands.
#include <cstdio>
int main() {
  std::fprintf(stderr, "collector_load: not implemented yet\n");
  return 2;
}
