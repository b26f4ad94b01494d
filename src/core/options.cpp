#include "core/options.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <typeinfo>

#include "core/json.hpp"

namespace nnsim {

int default_thread_count() {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n > 0 && n <= 1024) return static_cast<int>(n);
  }
  return 1;
}

po::options_description common_options(CommonOptions& o, const std::string& default_output,
                                       std::uint64_t default_samples, const std::string& samples_meaning) {
  po::options_description d("Samples and run control (every driver)");
  o.threads = default_thread_count();
  o.output = default_output;
  o.samples = default_samples;
  // clang-format off
  d.add_options()
    ("help,h", "print this help and exit")
    ("version", "print the version, git commit and kernel instruction set, and exit")
    ("config", po::value(&o.config)->value_name("FILE"),
     "read options from an INI file (name = value lines, same names as here); the command line wins")
    ("seed", po::value(&o.seed)->default_value(o.seed)->value_name("UINT64"),
     "master seed; every random number is a function of (seed, point key, sample, stream), the point key "
     "a hash of the point's parameter values")
    ("samples", po::value(&o.samples)->default_value(o.samples)->value_name("S"),
     (samples_meaning + " per point, in [1, 1e9]").c_str())
    ("first-sample", po::value(&o.first_sample)->default_value(o.first_sample)->value_name("K"),
     "number of the first sample: the run computes samples K .. K+S-1 of every point, so runs with disjoint "
     "ranges can be merged with nnsim-merge")
    ("output,o", po::value(&o.output)->default_value(o.output)->value_name("FILE"),
     "HDF5 output file (written under a temporary name, renamed when complete)")
    ("force", po::bool_switch(&o.force), "overwrite an existing output file")
    ("resume", po::bool_switch(&o.resume),
     "continue from the checkpoint <output>.checkpoint.h5 of an interrupted run")
    ("time-limit", po::value(&o.time_limit)->default_value(o.time_limit)->value_name("SECONDS"),
     "stop cleanly with a checkpoint after this much wall time (0 = no limit)")
    ("checkpoint-interval", po::value(&o.checkpoint_interval)->default_value(o.checkpoint_interval)->value_name("SECONDS"),
     "write a checkpoint at least this often while running")
    ("threads", po::value(&o.threads)->default_value(o.threads)->value_name("N"),
     "compute threads per MPI rank (default: $OMP_NUM_THREADS, else 1)")
    ("quiet,q", po::bool_switch(&o.quiet), "print no progress or information, only errors");
  // clang-format on
  return d;
}

void validate_common_options(const CommonOptions& o) {
  require(o.samples >= 1 && o.samples <= 1'000'000'000, "samples", "an integer in [1, 1e9]", o.samples);
  require(o.first_sample <= (std::uint64_t{1} << 62), "first-sample", "an integer in [0, 2^62]", o.first_sample);
  require(o.threads >= 1 && o.threads <= 1024, "threads", "an integer in [1, 1024]", o.threads);
  require(o.time_limit >= 0, "time-limit", ">= 0 seconds", o.time_limit);
  require(o.checkpoint_interval > 0, "checkpoint-interval", "> 0 seconds", o.checkpoint_interval);
  require(!o.output.empty(), "output", "a file name", "''");
  if (o.resume && o.force) {
    throw UsageError("--resume and --force contradict each other: --resume continues the checkpoint of '" + o.output +
                     "', --force discards it and starts afresh; pass one of them");
  }
}

bool is_run_control_option(const std::string& name) {
  return name == "help" || name == "version" || name == "config" || name == "output" || name == "force" ||
         name == "resume" || name == "time-limit" || name == "checkpoint-interval" ||
         name == "threads" || name == "quiet";
}

namespace {
/// Boost reads "-3" into an unsigned option as 2^64 - 3; refuse it instead.
void reject_negative_unsigned(const po::parsed_options& parsed, const po::options_description& options) {
  for (const auto& o : parsed.options) {
    if (o.unregistered || o.value.empty()) continue;
    const auto* description = options.find_nothrow(o.string_key, false);
    if (!description) continue;
    const auto* typed = dynamic_cast<const po::typed_value_base*>(description->semantic().get());
    if (!typed) continue;
    const auto& type = typed->value_type();
    const bool is_unsigned = type == typeid(unsigned) || type == typeid(unsigned long) ||
                             type == typeid(unsigned long long);
    const auto first = o.value.front().find_first_not_of(" \t");
    if (is_unsigned && first != std::string::npos && o.value.front()[first] == '-') {
      throw UsageError("--" + o.string_key + " must be a non-negative integer, got " + o.value.front());
    }
  }
}

std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_./:=,+@%") == std::string::npos) {
    return arg;
  }
  std::string out = "'";
  for (const char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

std::string read_config_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw UsageError("--config: no such file '" + path + "'");
  if (fs::is_directory(status)) throw UsageError("--config: '" + path + "' is a directory, not an INI file");
  std::ifstream in(path);
  if (!in) throw UsageError("--config: cannot open '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw UsageError("--config: cannot read '" + path + "'");
  return text.str();
}

ParsedOptions parse_options(int argc, char** argv, const po::options_description& options,
                            const ConfigReader& read_config) {
  ParsedOptions parsed;
  for (int i = 0; i < argc; ++i) {
    if (i) parsed.command_line += ' ';
    parsed.command_line += shell_quote(argv[i]);
  }
  const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
  try {
    // Words that belong to no option are collected, then refused with a message of our own.
    po::options_description with_stray;
    with_stray.add(options);
    with_stray.add_options()("nnsim-stray-argument", po::value<std::vector<std::string>>(), "");
    po::positional_options_description stray;
    stray.add("nnsim-stray-argument", -1);
    const auto command_line =
        po::command_line_parser(argc, argv).options(with_stray).positional(stray).style(style).run();
    for (const auto& o : command_line.options) {
      if (o.string_key != "nnsim-stray-argument") continue;
      const std::string word = o.value.empty() ? std::string() : o.value.front();
      throw UsageError("unexpected argument '" + word +
                       "': every value belongs to an option (--name VALUE), and a list is one word without "
                       "spaces, e.g. --alpha 0.05,0.1");
    }
    reject_negative_unsigned(command_line, options);
    po::store(command_line, parsed.values);
    parsed.help = parsed.values.count("help") > 0;
    parsed.version = parsed.values.count("version") > 0;
    if (parsed.help || parsed.version) return parsed;
    if (parsed.values.count("config")) {
      std::vector<std::string> chain;
      std::string path = parsed.values["config"].as<std::string>();
      while (!path.empty()) {
        if (std::find(chain.begin(), chain.end(), path) != chain.end() || chain.size() >= 16) {
          throw UsageError("--config: '" + path + "' includes itself (config = lines form a cycle)");
        }
        chain.push_back(path);
        std::istringstream in(read_config(path));
        std::string next;
        try {
          const auto from_file = po::parse_config_file(in, options, /*allow_unregistered=*/false);
          reject_negative_unsigned(from_file, options);
          for (const auto& o : from_file.options) {
            if (o.string_key == "config" && !o.value.empty()) next = o.value.front();
          }
          po::store(from_file, parsed.values);
        } catch (const UsageError& e) {
          throw UsageError("in config file '" + path + "': " + e.what());
        } catch (const po::error& e) {
          throw UsageError("in config file '" + path + "': " + e.what());
        }
        if (!next.empty()) {
          const std::filesystem::path nested(next);
          next = nested.is_absolute() ? next : (std::filesystem::path(path).parent_path() / nested).string();
        }
        path = next;
      }
    }
    po::notify(parsed.values);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return parsed;
}

std::vector<std::pair<std::string, OptionValue>> option_values(const po::options_description& options,
                                                               const po::variables_map& values) {
  std::vector<std::pair<std::string, OptionValue>> out;
  for (const auto& option : options.options()) {
    const std::string name = option->long_name();
    if (name == "help" || name == "version" || name == "config" || !values.count(name)) continue;
    const auto& any = values[name].value();
    if (const auto* s = boost::any_cast<std::string>(&any)) {
      out.emplace_back(name, *s);
    } else if (const auto* d = boost::any_cast<double>(&any)) {
      out.emplace_back(name, *d);
    } else if (const auto* i = boost::any_cast<int>(&any)) {
      out.emplace_back(name, static_cast<std::int64_t>(*i));
    } else if (const auto* l = boost::any_cast<long>(&any)) {
      out.emplace_back(name, static_cast<std::int64_t>(*l));
    } else if (const auto* u = boost::any_cast<unsigned long>(&any)) {
      out.emplace_back(name, static_cast<std::uint64_t>(*u));
    } else if (const auto* b = boost::any_cast<bool>(&any)) {
      out.emplace_back(name, *b);
    } else {
      throw std::logic_error("option_values: option --" + name + " has a type it cannot represent");
    }
  }
  return out;
}

std::string options_json(const po::options_description& options, const po::variables_map& values,
                         bool results_only, const std::vector<std::string>& exclude) {
  JsonObject json;
  for (const auto& [name, value] : option_values(options, values)) {
    if (results_only && is_run_control_option(name)) continue;
    if (std::find(exclude.begin(), exclude.end(), name) != exclude.end()) continue;
    std::visit([&json, &key = name](const auto& v) { json.add(key, v); }, value);
  }
  return json.str();
}

std::string help_text(const std::string& program, const std::string& summary,
                      const po::options_description& options) {
  std::ostringstream out;
  out << "Usage: " << program << " [options]\n\n" << summary << "\n\n" << options << "\n"
      << "Options may also be given in an INI file with --config. Exit codes: 0 done, 1 runtime\n"
         "failure, 2 bad input (nothing written), 3 stopped early with a checkpoint (rerun with\n"
         "--resume).\n";
  return out.str();
}

}  // namespace nnsim
