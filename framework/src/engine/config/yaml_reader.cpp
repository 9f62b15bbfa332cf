#include "config/yaml_reader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace thermo::engine {

namespace {

// Thrown out of the event handler to stop the parser at the first error nothing can follow.
struct FatalYamlError {
  SourceLocation location;
  std::string message;
};

SourceLocation location_of(const YAML::Mark& mark, const TextOrigin& origin) {
  if (mark.is_null()) return {origin.file, origin.line, 0};
  if (origin.line > 0) return {origin.file, origin.line, origin.column_offset + (mark.line == 0 ? mark.column : 0) + 1};
  return {origin.file, mark.line + 1, mark.column + 1};
}

class TreeBuilder final : public YAML::EventHandler {
 public:
  TreeBuilder(const std::string& text, const TextOrigin& origin, Diagnostics& diagnostics)
      : text_(text), origin_(origin), diagnostics_(diagnostics) {}

  YamlNode take_root() {
    if (!has_root_) return YamlNode::make_null(location_of(YAML::Mark(), origin_));
    return std::move(root_);
  }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) fail(mark, "a pipeline is one YAML document; a second one starts here");
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    count_node(mark);
    YamlNode node = YamlNode::make_null(location_of(mark, origin_));
    node.text = null_word_at(mark);
    // An empty value's mark is the next token; its key is the better place to point at.
    if (node.text.empty() && !frames_.empty() && frames_.back().node.is_map() && frames_.back().awaiting_value) {
      node.location = frames_.back().pending_key_location;
    }
    remember_leaf(anchor, node);
    attach(std::move(node), 0);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const auto found = anchors_.find(anchor);
    if (found == anchors_.end() || !found->second.complete) {
      fail(mark, "this alias refers to an anchor that contains it; recursive structures are not allowed");
    }
    const Anchor& target = found->second;
    if (total_nodes_ + target.size > kMaxYamlNodes) {
      fail(mark, fmt::format("this alias would expand the document to more than {} nodes; write the values out "
                             "instead of nesting aliases",
                             kMaxYamlNodes));
    }
    if (frames_.size() + target.height > kMaxYamlDepth) {
      fail(mark, fmt::format("this alias would nest the document deeper than {} levels", kMaxYamlDepth));
    }
    total_nodes_ += target.size;
    YamlNode node = target.node;
    node.location = location_of(mark, origin_);
    attach(std::move(node), target.height);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    count_node(mark);
    YamlNode node = YamlNode::make_scalar(value, tag == "?", location_of(mark, origin_));
    if (tag != "?" && tag != "!") {
      diagnostics_.error(node.location, "",
                         fmt::format("YAML tags ('{}') are not supported; write the value without a tag", tag));
      node.invalid = true;
    }
    remember_leaf(anchor, node);
    attach(std::move(node), 0);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    start_collection(mark, tag, anchor, YamlNode::Kind::sequence);
  }
  void OnSequenceEnd() override { end_collection(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    start_collection(mark, tag, anchor, YamlNode::Kind::map);
  }
  void OnMapEnd() override { end_collection(); }

 private:
  struct Frame {
    YamlNode node;
    std::string path;
    YAML::anchor_t anchor = 0;
    std::size_t nodes_before = 0;
    std::size_t height = 1;       // levels of collections, itself included (scalars add none)
    bool awaiting_value = false;  // maps: a key was read, its value comes next
    bool skip_value = false;      // maps: the key was not usable, drop its value
    std::string pending_key;
    SourceLocation pending_key_location;
  };
  struct Anchor {
    YamlNode node;
    std::size_t size = 0;
    std::size_t height = 0;
    bool complete = false;
  };

  [[noreturn]] void fail(const YAML::Mark& mark, std::string message) const {
    throw FatalYamlError{location_of(mark, origin_), std::move(message)};
  }

  void count_node(const YAML::Mark& mark) {
    if (++total_nodes_ > kMaxYamlNodes) {
      fail(mark, fmt::format("the document has more than {} nodes; a pipeline is a short file", kMaxYamlNodes));
    }
  }

  // "~", "null"... as written, or "" for an empty value.
  std::string null_word_at(const YAML::Mark& mark) const {
    if (mark.is_null() || mark.pos < 0 || static_cast<std::size_t>(mark.pos) >= text_.size()) return {};
    const std::size_t begin = static_cast<std::size_t>(mark.pos);
    for (const std::string_view word : {"~", "null", "Null", "NULL"}) {
      if (text_.compare(begin, word.size(), word) != 0) continue;
      const std::size_t after = begin + word.size();
      if (after == text_.size() || std::strchr(" \t\r\n,]}#", text_[after]) != nullptr) return std::string(word);
    }
    return {};
  }

  std::string path_of_next_child() const {
    if (frames_.empty()) return {};
    const Frame& parent = frames_.back();
    if (parent.node.is_sequence()) return child_path(parent.path, std::to_string(parent.node.children.size()));
    return parent.awaiting_value ? child_path(parent.path, parent.pending_key) : parent.path;
  }

  void remember_leaf(YAML::anchor_t anchor, const YamlNode& node) {
    if (anchor == 0) return;
    store_anchor(anchor, Anchor{node, 1, 0, true});
  }

  void store_anchor(YAML::anchor_t anchor, Anchor value) {
    anchored_nodes_ += value.size;
    if (anchored_nodes_ > kMaxYamlNodes) {
      throw FatalYamlError{
          value.node.location,
          fmt::format("anchors hold more than {} nodes in all; a pipeline is a short file", kMaxYamlNodes)};
    }
    anchors_[anchor] = std::move(value);
  }

  void start_collection(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor, YamlNode::Kind kind) {
    count_node(mark);
    if (frames_.size() + 1 > kMaxYamlDepth) {
      fail(mark, fmt::format("the document nests deeper than {} levels", kMaxYamlDepth));
    }
    Frame frame;
    frame.node.kind = kind;
    frame.node.location = location_of(mark, origin_);
    if (tag != "?" && tag != "!") {
      diagnostics_.error(frame.node.location, "",
                         fmt::format("YAML tags ('{}') are not supported; write the value without a tag", tag));
      frame.node.invalid = true;
    }
    frame.path = path_of_next_child();
    frame.anchor = anchor;
    frame.nodes_before = total_nodes_ - 1;
    if (anchor != 0) anchors_[anchor] = Anchor{};  // known but incomplete: an alias to it now is recursive
    frames_.push_back(std::move(frame));
  }

  void end_collection() {
    Frame frame = std::move(frames_.back());
    frames_.pop_back();
    if (frame.anchor != 0) {
      store_anchor(frame.anchor, Anchor{frame.node, total_nodes_ - frame.nodes_before, frame.height, true});
    }
    attach(std::move(frame.node), frame.height);
  }

  void attach(YamlNode node, std::size_t height) {
    if (frames_.empty()) {
      root_ = std::move(node);
      has_root_ = true;
      return;
    }
    Frame& parent = frames_.back();
    parent.height = std::max(parent.height, height + 1);
    if (parent.node.is_sequence()) {
      parent.node.children.push_back(std::move(node));
      return;
    }
    if (!parent.awaiting_value) {
      parent.awaiting_value = true;
      parent.skip_value = !node.is_scalar();
      if (parent.skip_value) {
        diagnostics_.error(node.location, parent.path, "a map key must be a plain word, not " + describe_node(node));
      }
      parent.pending_key = node.text;
      parent.pending_key_location = node.location;
      return;
    }
    parent.awaiting_value = false;
    if (parent.skip_value) return;
    if (const YamlNode* first = parent.node.find(parent.pending_key)) {
      diagnostics_.error(
          parent.pending_key_location, parent.path,
          fmt::format("duplicate key '{}' (first at line {})", parent.pending_key, first->key_location.line));
      return;
    }
    node.key = std::move(parent.pending_key);
    node.key_location = parent.pending_key_location;
    parent.node.children.push_back(std::move(node));
  }

  const std::string& text_;
  const TextOrigin& origin_;
  Diagnostics& diagnostics_;
  std::vector<Frame> frames_;
  std::map<YAML::anchor_t, Anchor> anchors_;
  YamlNode root_;
  bool has_root_ = false;
  int documents_ = 0;
  std::size_t total_nodes_ = 0;
  std::size_t anchored_nodes_ = 0;
};

}  // namespace

YamlNode parse_yaml(const std::string& text, const TextOrigin& origin, Diagnostics& diagnostics) {
  std::istringstream stream(text);
  TreeBuilder builder(text, origin, diagnostics);
  try {
    YAML::Parser parser(stream);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const FatalYamlError& error) {
    throw UserErrors({UserError(error.location, "", error.message)});
  } catch (const YAML::Exception& error) {
    throw UserErrors({UserError(location_of(error.mark, origin), "", "invalid YAML: " + error.msg)});
  }
  return builder.take_root();
}

YamlNode read_yaml_file(const std::filesystem::path& file, Diagnostics& diagnostics) {
  const SourceLocation where{file.string(), 0, 0};
  const auto refuse = [&where](const std::string& message) { throw UserErrors({UserError(where, "", message)}); };
  std::error_code error;
  const auto status = std::filesystem::status(file, error);
  if (!std::filesystem::exists(status)) refuse("cannot read the pipeline file: no such file");
  if (std::filesystem::is_directory(status)) refuse("cannot read the pipeline file: it is a folder");
  std::ifstream in(file, std::ios::binary);
  if (!in) refuse(fmt::format("cannot read the pipeline file: {}", std::strerror(errno)));
  // Reads one byte past the limit instead of trusting the file size (pipes, /dev/zero).
  std::string text(kMaxPipelineBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) refuse(fmt::format("cannot read the pipeline file: {}", std::strerror(errno)));
  const auto length = static_cast<std::size_t>(in.gcount());
  if (length > kMaxPipelineBytes) {
    refuse(fmt::format("the file is larger than {} bytes; a pipeline is a short YAML file", kMaxPipelineBytes));
  }
  text.resize(length);
  return parse_yaml(text, TextOrigin{file.string(), 0, 0}, diagnostics);
}

}  // namespace thermo::engine
