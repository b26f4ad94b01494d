#include "core/options.hpp"

#include <cstdlib>
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

po::options_description common_options(CommonOptions& o, const std::string& default_output) {
  po::options_description d("Run control (every driver)");
  o.threads = default_thread_count();
  o.output = default_output;
  // clang-format off
  d.add_options()
    ("help,h", "print this help and exit")
    ("version", "print the version, git commit and kernel instruction set, and exit")
    ("config", po::value(&o.config)->value_name("FILE"),
     "read options from an INI file (name = value lines, same names as here); the command line wins")
    ("seed", po::value(&o.seed)->default_value(o.seed)->value_name("UINT64"),
     "master seed; every random number is a function of (seed, point, sample, stream)")
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

ParsedOptions parse_options(int argc, char** argv, const po::options_description& options) {
  ParsedOptions parsed;
  for (int i = 0; i < argc; ++i) {
    if (i) parsed.command_line += ' ';
    parsed.command_line += shell_quote(argv[i]);
  }
  const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
  try {
    const auto command_line = po::command_line_parser(argc, argv).options(options).style(style).run();
    reject_negative_unsigned(command_line, options);
    po::store(command_line, parsed.values);
    parsed.help = parsed.values.count("help") > 0;
    parsed.version = parsed.values.count("version") > 0;
    if (parsed.help || parsed.version) return parsed;
    if (parsed.values.count("config")) {
      const auto path = parsed.values["config"].as<std::string>();
      std::ifstream in(path);
      if (!in) throw UsageError("--config: cannot open '" + path + "'");
      try {
        const auto from_file = po::parse_config_file(in, options, /*allow_unregistered=*/false);
        reject_negative_unsigned(from_file, options);
        po::store(from_file, parsed.values);
      } catch (const UsageError& e) {
        throw UsageError("in config file '" + path + "': " + e.what());
      } catch (const po::error& e) {
        throw UsageError("in config file '" + path + "': " + e.what());
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
                         bool results_only) {
  JsonObject json;
  for (const auto& [name, value] : option_values(options, values)) {
    if (results_only && is_run_control_option(name)) continue;
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
