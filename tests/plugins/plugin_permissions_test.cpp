// Plugins are code: a plugin file, or the folder it is found in, that others than its owner can
// write, or that belongs to another user than the one running thermo (root excepted), is refused
// before the library is opened, with a message saying why and how to fix it; a pipeline cannot
// name a library by path. Real files, real permissions (CI runs these as root, which must not
// make an unsafe folder acceptable).
#include "config/load_pipeline.hpp"
#include "golden_text.hpp"
#include "registry/plugin_registry.hpp"
#include "test_support.hpp"

#include <thermo/error.hpp>

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace {
namespace fs = std::filesystem;
using thermo::PluginKind;
using thermo::engine::PluginRegistry;

constexpr const char* kPluginName = "libthermo-optimizer-fixture_sgd.so";

// A fresh folder holding a copy of a well-formed plugin, with `folder_mode` and `file_mode`;
// removed with the object.
class PluginCopy {
 public:
  PluginCopy(const std::string& name, fs::perms folder_mode, fs::perms file_mode)
      : folder(thermo::testing::scratch_dir("plugin-permissions-" + name)), file(folder / kPluginName) {
    fs::copy_file(thermo::testing::fixture_folder("good") / kPluginName, file);
    fs::permissions(file, file_mode);
    fs::permissions(folder, folder_mode);
  }
  ~PluginCopy() {
    std::error_code error;
    fs::remove_all(folder, error);
  }
  PluginCopy(const PluginCopy&) = delete;
  PluginCopy& operator=(const PluginCopy&) = delete;

  const fs::path folder;
  const fs::path file;
};

// The UserError of loading the copy's plugin, "" when it loads.
std::string load_error(const fs::path& folder) {
  PluginRegistry registry({folder});
  try {
    (void)registry.get(PluginKind::optimizer, "fixture_sgd");
  } catch (const thermo::UserError& error) {
    return error.what();
  }
  return "";
}

std::string account_of_this_process() {
  return ::geteuid() == 0 ? "root" : std::to_string(::geteuid());
}

constexpr auto kOwnerOnly = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec;  // 0755
}  // namespace

TEST_CASE("a plugin writable only by its owner, in such a folder, loads") {
  const PluginCopy copy("safe", kOwnerOnly, kOwnerOnly);
  CHECK(load_error(copy.folder) == "");
  CHECK(thermo::testing::is_library_loaded(copy.file));
}

TEST_CASE("a group- or world-writable plugin folder is refused before the library is opened, even for root") {
  struct Case {
    const char* name;
    fs::perms mode;
    const char* who;
    const char* octal;
  };
  const Case cases[] = {
      {"group", kOwnerOnly | fs::perms::group_write, "its group", "0775"},
      {"world", kOwnerOnly | fs::perms::others_write, "every user", "0757"},
      {"both", fs::perms::all, "its group and every user", "0777"},
      {"sticky", fs::perms::all | fs::perms::sticky_bit, "its group and every user", "1777"},
  };
  for (const auto& each : cases) {
    CAPTURE(each.name);
    const PluginCopy copy(std::string("folder-") + each.name, each.mode, kOwnerOnly);
    const std::string expected = copy.folder.string() + ": refusing to load plugins from a folder that " + each.who +
                                 " can write (mode " + each.octal +
                                 "): plugins are code, and anyone who can write a plugin or its folder could make "
                                 "thermo run their code; fix: `chmod go-w '" +
                                 copy.folder.string() + "'`";
    CHECK(load_error(copy.folder) == expected);
    CHECK_FALSE(thermo::testing::is_library_loaded(copy.file));
    // The fix the message gives works.
    fs::permissions(copy.folder, fs::perms::group_write | fs::perms::others_write, fs::perm_options::remove);
    CHECK(load_error(copy.folder) == "");
  }
}

TEST_CASE("a group- or world-writable plugin file is refused") {
  for (const auto extra : {fs::perms::group_write, fs::perms::others_write}) {
    const PluginCopy copy(extra == fs::perms::group_write ? "file-group" : "file-world", kOwnerOnly,
                          kOwnerOnly | extra);
    const std::string error = load_error(copy.folder);
    CHECK(error.starts_with(copy.file.string() + ": refusing to load plugins from a file that "));
    CHECK(error.ends_with("fix: `chmod go-w '" + copy.file.string() + "'`"));
    CHECK_FALSE(thermo::testing::is_library_loaded(copy.file));
  }
}

TEST_CASE("a link to a plugin in a writable folder is refused: the target's folder counts") {
  const PluginCopy target("link-target", kOwnerOnly | fs::perms::others_write, kOwnerOnly);
  const fs::path folder = thermo::testing::scratch_dir("plugin-permissions-link");
  fs::create_symlink(target.file, folder / kPluginName);
  const std::string error = load_error(folder);
  CHECK(error.starts_with(fs::canonical(target.folder).string() +
                          ": refusing to load plugins from a folder that every user can write"));
  CHECK_FALSE(thermo::testing::is_library_loaded(target.file));
  fs::remove_all(folder);
}

TEST_CASE("a plugin or folder owned by another user (not root) is refused") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: only root can give a file to another user (CI runs this as root)");
    return;
  }
  constexpr uid_t kOtherUser = 54321;  // no account of that number: the message shows the number
  const PluginCopy folder_owned("owner-folder", kOwnerOnly, kOwnerOnly);
  REQUIRE(::chown(folder_owned.folder.c_str(), kOtherUser, static_cast<gid_t>(-1)) == 0);
  CHECK(load_error(folder_owned.folder) ==
        folder_owned.folder.string() +
            ": refusing to load plugins from a folder owned by user 54321: plugins are code, and only files and "
            "folders owned by you (" +
            account_of_this_process() + ") or root are trusted; fix: `chown " + account_of_this_process() + " '" +
            folder_owned.folder.string() + "'`, or run thermo as 54321");
  CHECK_FALSE(thermo::testing::is_library_loaded(folder_owned.file));

  const PluginCopy file_owned("owner-file", kOwnerOnly, kOwnerOnly);
  REQUIRE(::chown(file_owned.file.c_str(), kOtherUser, static_cast<gid_t>(-1)) == 0);
  CHECK(load_error(file_owned.folder)
            .starts_with(file_owned.file.string() + ": refusing to load plugins from a file owned by user 54321"));
  CHECK_FALSE(thermo::testing::is_library_loaded(file_owned.file));
}

TEST_CASE("`thermo plugins` shows why a plugin in an unsafe folder is refused") {
  const PluginCopy copy("cli", kOwnerOnly | fs::perms::group_write, kOwnerOnly);
  const auto result = thermo::testing::run_command("THERMO_NO_DEFAULT_PLUGIN_PATH=1 THERMO_PLUGIN_PATH= '" +
                                                   thermo::testing::thermo_binary().string() +
                                                   "' plugins --plugin-path '" + copy.folder.string() + "'");
  INFO(result.out, result.err);
  CHECK(result.out.find(copy.folder.string() + ": refusing to load plugins from a folder that its group can write") !=
        std::string::npos);
  CHECK(result.out.find("chmod go-w") != std::string::npos);
}

TEST_CASE("a pipeline cannot name a plugin by path, nor set the plugin path") {
  // A loadable plugin outside the search path, named by absolute and by relative path.
  const PluginCopy outside("outside", kOwnerOnly, kOwnerOnly);
  const fs::path pipeline_folder = thermo::testing::scratch_dir("plugin-path-pipeline");
  const fs::path pipeline = pipeline_folder / "pipeline.yaml";
  const std::string relative = fs::relative(outside.file, pipeline_folder).string();
  thermo::testing::write_file(pipeline, "thermo: 1\nname: by_path\nplugin_path: '" + outside.folder.string() +
                                            "'\nplugins: ['" + outside.folder.string() + "']\noptimizer: {plugin: '" +
                                            outside.file.string() + "'}\nestimators:\n  - {plugin: '" + relative +
                                            "'}\n");
  PluginRegistry registry({thermo::testing::fixture_folder("good")});
  std::string errors;
  try {
    (void)thermo::engine::load_pipeline(pipeline, {}, registry);
  } catch (const thermo::UserErrors& caught) {
    for (const auto& error : caught.errors()) errors += thermo::format_error(error) + "\n";
  }
  INFO(errors);
  CHECK(errors.find("unknown key 'plugin_path'") != std::string::npos);
  CHECK(errors.find("unknown key 'plugins'") != std::string::npos);
  CHECK(errors.find("unknown optimizer plugin '" + outside.file.string() + "'") != std::string::npos);
  CHECK(errors.find("unknown estimator plugin '" + relative + "'") != std::string::npos);
  CHECK_FALSE(thermo::testing::is_library_loaded(outside.file));
  fs::remove_all(pipeline_folder);
}
