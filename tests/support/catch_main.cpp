#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "platform/crypto.h"

int main(int argc, char** argv) {
  if (!platform::crypto_init().is_ok()) return 2;
  return Catch::Session().run(argc, argv);
}
