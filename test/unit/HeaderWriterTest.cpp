#include "kiln/CodeGen/HeaderWriter.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace kiln;
using namespace kiln::codegen;
namespace fs = std::filesystem;

namespace {

size_t addTensor(loop::Program &p, const std::string &name, ElementType elem,
                 std::vector<int64_t> shape, loop::StorageKind storage) {
  loop::ProgramTensor t;
  t.name = name;
  t.elem = elem;
  t.shape = std::move(shape);
  t.storage = storage;
  p.tensors.push_back(std::move(t));
  return p.tensors.size() - 1;
}

// image f32[1,3,8,8] and "0 tok/ids" i64[2,5] in; probs f32[1,10], "int"
// bool[] and "Probs" f16[3] out.
loop::Program sampleProgram() {
  using loop::StorageKind;
  loop::Program p;
  p.name = "sample";
  p.inputs.push_back(addTensor(p, "image", ElementType::F32, {1, 3, 8, 8},
                               StorageKind::Input));
  addTensor(p, "tmp", ElementType::F32, {4}, StorageKind::Arena);
  p.inputs.push_back(
      addTensor(p, "0 tok/ids", ElementType::I64, {2, 5}, StorageKind::Input));
  p.outputs.push_back(
      addTensor(p, "probs", ElementType::F32, {1, 10}, StorageKind::Output));
  p.outputs.push_back(
      addTensor(p, "int", ElementType::Bool, {}, StorageKind::Output));
  p.outputs.push_back(
      addTensor(p, "Probs", ElementType::F16, {3}, StorageKind::Output));
  p.arenaSize = 4160;
  return p;
}

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

// A scratch directory removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("kiln-header-test-" + std::to_string(std::rand()) + "-" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void writeFile(const fs::path &p, const std::string &text) {
  std::ofstream(p) << text;
}

bool haveCommand(const char *cmd) {
  return std::system(
             (std::string("command -v ") + cmd + " >/dev/null 2>&1").c_str()) ==
         0;
}

int runCommand(const std::string &cmd) {
  int rc = std::system(cmd.c_str());
  INFO(cmd);
  return rc;
}

} // namespace

TEST_CASE("headerIdentifiers sanitizes, avoids keywords and dedups",
          "[headerwriter]") {
  std::vector<std::string> ids =
      headerIdentifiers({"image", "Image", "0 tok/ids", "int", "__x__", "",
                         "a::b", "image_2", "linux"});
  CHECK(ids == std::vector<std::string>{"image", "image_2", "t0_tok_ids",
                                        "t_int", "x", "t", "a_b", "image_2_2",
                                        "t_linux"});
}

TEST_CASE("writeModelHeader emits macros, structs and the entry point",
          "[headerwriter]") {
  HeaderOptions o;
  o.name = "net";
  std::string h = writeModelHeader(sampleProgram(), o);
  CHECK(contains(h, "#ifndef KILN_MODEL_NET_H\n#define KILN_MODEL_NET_H\n"));
  CHECK(contains(h, "#include <stdint.h>"));
  CHECK(contains(h, "#include <stddef.h>"));
  CHECK(contains(h, "#include \"kiln/runtime.h\""));
  CHECK(contains(h, "#define NET_ABI_VERSION 1\n"));
  CHECK(contains(h, "KILN_ABI_VERSION != 1\n#error"));
  CHECK(contains(h, "#define NET_ARENA_SIZE 4160\n"));
  CHECK(contains(h, "#define NET_ARENA_ALIGN 64\n"));
  CHECK(contains(h, "#define NET_NUM_INPUTS 2\n"));
  CHECK(contains(h, "#define NET_NUM_OUTPUTS 3\n"));
  CHECK(contains(h, "#define NET_INPUT_IMAGE_RANK 4\n"));
  CHECK(contains(h, "#define NET_INPUT_IMAGE_SHAPE {1, 3, 8, 8}\n"));
  CHECK(contains(h, "#define NET_INPUT_IMAGE_SIZE 192\n"));
  CHECK(contains(h, "#define NET_INPUT_IMAGE_BYTES 768\n"));
  CHECK(contains(h, "#define NET_INPUT_IMAGE_DTYPE KILN_F32\n"));
  CHECK(contains(h, "#define NET_INPUT_T0_TOK_IDS_INDEX 1\n"));
  CHECK(contains(h, "#define NET_INPUT_T0_TOK_IDS_BYTES 80\n"));
  CHECK(contains(h, "#define NET_INPUT_T0_TOK_IDS_DTYPE KILN_I64\n"));
  CHECK(contains(h, "#define NET_OUTPUT_T_INT_RANK 0\n"));
  CHECK(!contains(h, "#define NET_OUTPUT_T_INT_SHAPE"));
  CHECK(contains(h, "#define NET_OUTPUT_T_INT_BYTES 1\n"));
  CHECK(contains(h, "#define NET_OUTPUT_PROBS_2_BYTES 6\n"));
  CHECK(contains(h, "#define NET_OUTPUT_PROBS_2_DTYPE KILN_F16\n"));
  CHECK(contains(h, "#define net_arena_size NET_ARENA_SIZE\n"));
  CHECK(contains(h, "#define net_weights_separate 0\n"));
  CHECK(contains(h, "struct net_inputs {\n  const float *image;"));
  CHECK(contains(h, "  const int64_t *t0_tok_ids;"));
  CHECK(contains(h, "struct net_outputs {\n  float *probs;"));
  CHECK(contains(h, "  uint8_t *t_int;"));
  CHECK(contains(h, "  uint16_t *probs_2;"));
  CHECK(contains(h, "int net_run(const struct net_inputs *inputs,\n    struct "
                    "net_outputs *outputs, void *arena);"));
  CHECK(contains(h, "static inline int net_run_ptrs(const void *const "
                    "*inputs,\n    void *const *outputs, void *arena) {"));
  CHECK(contains(h, "{\"0 tok/ids\", KILN_I64, 2, net_input_t0_tok_ids_shape, "
                    "10},"));
  CHECK(contains(h, "{\"int\", KILN_BOOL, 0, 0, 1},"));
  CHECK(!contains(h, "WEIGHTS"));
  CHECK(!contains(h, "tmp")); // arena tensors are not part of the interface
}

TEST_CASE("writeModelHeader with separate weights", "[headerwriter]") {
  HeaderOptions o;
  o.name = "Model1";
  o.weightsSeparate = true;
  o.weightsFile = "model1.weights.bin";
  o.weightsSize = 123456;
  std::string h = writeModelHeader(sampleProgram(), o);
  CHECK(contains(h, "#define MODEL1_WEIGHTS_SIZE 123456\n"));
  CHECK(contains(h, "#define MODEL1_WEIGHTS_FILE \"model1.weights.bin\"\n"));
  CHECK(contains(h, "64-byte-aligned"));
  CHECK(contains(h, "int Model1_run(const struct Model1_inputs *inputs,\n    "
                    "struct Model1_outputs *outputs, void *arena,\n    const "
                    "void *weights);"));
  CHECK(contains(h, "return Model1_run(&in, &out, arena, weights);"));
  CHECK(contains(h, "#define Model1_weights_separate 1\n"));
}

TEST_CASE("writeModelHeader rejects bad names and dynamic shapes",
          "[headerwriter]") {
  HeaderOptions o;
  for (const char *bad : {"", "1net", "my-net", "int", "a b"}) {
    o.name = bad;
    INFO(bad);
    CHECK_THROWS_WITH(writeModelHeader(sampleProgram(), o),
                      Catch::Contains("is not a C identifier"));
  }
  o.name = "net";
  loop::Program p = sampleProgram();
  p.tensors[p.inputs[0]].shape[0] = -1;
  CHECK_THROWS_WITH(writeModelHeader(p, o),
                    Catch::Contains("input 'image' has a dynamic shape"));
}

TEST_CASE("generated headers compile as C99 and C++ and drive the model",
          "[headerwriter]") {
  if (!haveCommand("cc") || !haveCommand("c++")) {
    WARN("no C/C++ compiler found: compile checks skipped");
    return;
  }
  TempDir dir;
  HeaderOptions o;
  o.name = "net";
  writeFile(dir.path / "net.h", writeModelHeader(sampleProgram(), o));
  o.name = "wnet";
  o.weightsSeparate = true;
  o.weightsFile = "w\"eights?.bin";
  o.weightsSize = 64;
  writeFile(dir.path / "wnet.h", writeModelHeader(sampleProgram(), o));
  // A stub net_run checks that net_run_ptrs fills the structs in order and
  // main checks the descriptor tables and macros.
  writeFile(dir.path / "main.c", R"(#include "net.h"
#include "wnet.h"
#include "net.h" /* the include guard works */
#include <string.h>
static const void *ins[2];
static void *outs[3];
int net_run(const struct net_inputs *in, struct net_outputs *out,
            void *arena) {
  if (in->image != ins[0] || in->t0_tok_ids != ins[1]) return 10;
  if ((void *)out->probs != outs[0] || (void *)out->t_int != outs[1] ||
      (void *)out->probs_2 != outs[2]) return 11;
  return arena ? KILN_OK : KILN_ERROR_NULL_ARGUMENT;
}
int wnet_run(const struct wnet_inputs *in, struct wnet_outputs *out,
             void *arena, const void *weights) {
  (void)in; (void)out; (void)arena;
  return weights ? 0 : 1;
}
int main(void) {
  static const int64_t shape[] = NET_INPUT_IMAGE_SHAPE;
  float image[NET_INPUT_IMAGE_SIZE];
  int64_t ids[NET_INPUT_T0_TOK_IDS_SIZE];
  float probs[10];
  uint8_t b[1];
  uint16_t h[3];
  char arena[1];
  ins[0] = image; ins[1] = ids;
  outs[0] = probs; outs[1] = b; outs[2] = h;
  if (net_run_ptrs(ins, outs, arena) != KILN_OK) return 1;
  if (net_run_ptrs(ins, outs, 0) != KILN_ERROR_NULL_ARGUMENT) return 2;
  if (net_run_ptrs(0, outs, arena) != KILN_ERROR_NULL_ARGUMENT) return 3;
  if (wnet_run_ptrs(ins, outs, arena, arena) != 0) return 4;
  if (sizeof shape != 4 * sizeof(int64_t) || shape[1] != 3) return 5;
  if (strcmp(net_input_info[1].name, "0 tok/ids") != 0) return 6;
  if (net_input_info[1].dtype != KILN_I64 || net_input_info[1].rank != 2 ||
      net_input_info[1].shape[0] != 2 || net_input_info[1].shape[1] != 5 ||
      net_input_info[1].num_elements != 10) return 7;
  if (net_output_info[1].rank != 0 || net_output_info[1].shape != 0 ||
      net_output_info[2].dtype != KILN_F16) return 8;
  if (strcmp(WNET_WEIGHTS_FILE, "w\"eights?.bin") != 0) return 9;
  if (NET_ARENA_SIZE != 4160 || NET_OUTPUT_PROBS_2_BYTES != 6) return 12;
  return 0;
}
)");
  std::string inc = " -I" + std::string(KILN_SOURCE_DIR) +
                    "/runtime/include -I" + dir.path.string() + " ";
  std::string src = (dir.path / "main.c").string();
  std::string exe = (dir.path / "main").string();
  CHECK(runCommand("cc -std=c99 -pedantic -Wall -Wextra -Werror" + inc +
                   "-fsyntax-only " + (dir.path / "net.h").string()) == 0);
  CHECK(runCommand("cc -std=c99 -pedantic -Wall -Wextra -Werror" + inc + src +
                   " -o " + exe) == 0);
  CHECK(runCommand(exe) == 0);
  CHECK(runCommand("c++ -x c++ -std=c++17 -pedantic -Wall -Wextra -Werror" +
                   inc + "-fsyntax-only " + src) == 0);
}
