// nnsim-digest: simulated annealing for the double-digest problem (the book's Section 4.3) as
// an ensemble of independent runs per instance, with every solution met collected, verified and
// counted, and optionally checked against the exact enumerator.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>
#include <type_traits>
#include <utility>

#include "core/grid.hpp"
#include "core/log.hpp"
#include "digest.hpp"
#include "ensemble/driver.hpp"

namespace nnsim::digest_app {

namespace an = nnsim::anneal;

po::options_description digest_options(DigestOptions& o) {
  po::options_description d("Instances and annealing");
  d.add_options()
    ("instances", po::value(&o.instances)->value_name("FILE.json"),
     "instances in JSON: {\"instances\": [{\"name\", \"L\", \"a\", \"b\", \"c\"}, ...]} (other keys ignored)")
    ("instance", po::value(&o.instance_names)->value_name("NAMES"),
     "comma-separated names of instances of --instances to run, in this order (default: all)")
    ("instance-text", po::value(&o.instance_text)->value_name("TEXT"),
     "one instance on the command line: \"name=X; L=10000; a=5976,1543,...; b=...; c=...\"")
    ("planted", po::value(&o.planted)->value_name("NA:NB:L,..."),
     "random instances with a planted solution: NA A-fragments and NB B-fragments on length L "
     "(distinct cut sites), drawn from the seed")
    ("energy", po::value(&o.energy)->default_value(o.energy),
     "energy to minimise: unmatched (the number of pieces of c that the map does not reproduce exactly; "
     "zero at exactly the same solutions as book, found far faster) or book (the book's (4.15)); a "
     "comma-separated list runs every instance with each (see 'configurations' below)")
    ("space", po::value(&o.space)->default_value(o.space),
     "configuration space: pieces (an order of the double-digest pieces c with an A, B or AB label on every "
     "cut between them; c is then reproduced by construction and the energy counts the A and B fragments that "
     "do not match; stretches of right cuts move as blocks, which solves planted instances of 30-40 fragments "
     "per enzyme in seconds) or orderings (sigma, mu: orders of the A and of the B fragments, the book's "
     "configurations); in the piece space the --move-mix weights are reverse (pieces and labels), swap (two "
     "pieces or two labels) and shift (exchange two neighbouring blocks), without the window move; or a "
     "comma-separated list")
    ("schedule", po::value(&o.schedule)->default_value(o.schedule),
     "cooling schedule of simulated annealing (--replicas 1): geometric, linear, adaptive (holds an acceptance "
     "rate, then cools), constant; or a comma-separated list")
    ("move-mix", po::value(&o.move_mix)->default_value(o.move_mix)->value_name("R,S,T[,X[,W]][;...]"),
     "relative frequencies of the moves: reverse a subsequence (the book's), swap two fragments, "
     "shift one fragment, and optionally X: an exact window move (a block heat-bath update of W consecutive "
     "fragments of one enzyme: all W! orders evaluated, one drawn from the Boltzmann distribution at the chain's "
     "temperature; W = 5th value, default 6); 1,0,0 is the book's move set; several mixes separated by ';'")
    ("steps", po::value(&o.steps)->default_value(o.steps), "Metropolis steps per run (the budget)")
    ("steps-per-temperature", po::value(&o.steps_per_temperature)->default_value(o.steps_per_temperature),
     "steps at each temperature level")
    ("t0", po::value(&o.initial_temperature)->default_value(o.initial_temperature, "0"),
     "initial temperature (replica exchange: the hottest replica's); 0 = automatic: an average uphill move "
     "accepted with probability 0.8 (replica exchange: 0.5)")
    ("t-end", po::value(&o.final_temperature)->default_value(o.final_temperature, "0"),
     "final temperature (replica exchange: the coldest replica's); 0 = automatic: the smallest uphill move "
     "accepted with probability 0.001 (replica exchange: 1e-6, a quench that the exchanges feed)")
    ("restart-after", po::value(&o.restart_after)->default_value(o.restart_after),
     "restart from a random state after this many levels without improvement; 0 = never")
    ("replicas", po::value(&o.replicas)->default_value(o.replicas)->value_name("R[,R...]|auto"),
     "replica exchange (parallel tempering) with this many replicas on a geometric ladder from --t-end to --t0 "
     "(then --schedule, --steps-per-temperature and --restart-after are not used); 1 = simulated annealing; or "
     "a comma-separated list; auto = the fastest measured: 2 in the piece space, 12 in the orderings space. Configurations: every combination of the --energy, --replicas, --schedule and "
     "--move-mix lists runs --samples runs of every instance, and /instances/<name>/by_configuration compares "
     "them")
    ("steps-per-exchange", po::value(&o.steps_per_exchange)->default_value(o.steps_per_exchange),
     "replica exchange: Metropolis steps of each replica between two rounds of neighbour swaps")
    ("continue-after-solution", po::bool_switch(&o.continue_after_solution),
     "keep annealing after the first solution (to meet more of them) until the step budget")
    ("trace-every", po::value(&o.trace_every)->default_value(o.trace_every),
     "record (step, energy) every this many steps (/results/trace); 0 = no trace")
    ("exact", po::bool_switch(&o.exact),
     "also enumerate every solution exactly (rank 0) and check that the ensemble found them all")
    ("exact-node-limit", po::value(&o.exact_node_limit)->default_value(o.exact_node_limit),
     "--exact: stop the enumeration of an instance after this many search nodes (0 = no limit); a stopped "
     "enumeration is written with exact_complete = 0, its counts are lower bounds and found_all is 0 "
     "(the search takes about 5-25 us per node; large planted instances need a limit)");
  return d;
}

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(' ');
    const auto last = item.find_last_not_of(' ');
    out.push_back(first == std::string::npos ? "" : item.substr(first, last - first + 1));
  }
  return out;
}

}  // namespace

std::vector<an::Instance> load_instances(const DigestOptions& o, std::uint64_t seed) {
  std::vector<an::Instance> all;
  if (!o.instances.empty()) {
    std::vector<an::Instance> file = an::read_instances_json(o.instances);
    if (o.instance_names.empty()) {
      all = file;
    } else {
      for (const auto& name : split_list(o.instance_names)) {
        const auto it = std::find_if(file.begin(), file.end(), [&](const auto& i) { return i.name == name; });
        if (it == file.end()) {
          std::string names;
          for (const auto& i : file) names += (names.empty() ? "" : ", ") + i.name;
          throw UsageError("--instance: no instance '" + name + "' in '" + o.instances + "' (it has " + names + ")");
        }
        all.push_back(*it);
      }
    }
  } else if (!o.instance_names.empty()) {
    throw UsageError("--instance needs --instances FILE.json to choose from");
  }
  if (!o.instance_text.empty()) all.push_back(an::parse_instance_text(o.instance_text));
  if (!o.planted.empty()) {
    for (const auto& spec : split_list(o.planted)) {
      const auto parts = [&] {
        std::vector<std::string> p;
        std::stringstream in(spec);
        std::string item;
        while (std::getline(in, item, ':')) p.push_back(item);
        return p;
      }();
      std::vector<std::int64_t> v;
      for (const auto& part : parts) {
        const auto values = parse_integer_grid(part, "planted");
        if (values.size() != 1) v.clear();
        v.push_back(values.empty() ? 0 : values[0]);
      }
      if (parts.size() != 3 || v.size() != 3 || v[0] < 1 || v[1] < 1 || v[2] < 2 || v[0] > 100000 || v[1] > 100000) {
        throw UsageError("--planted must be NA:NB:L with fragment counts NA, NB >= 1 and a length L >= 2, got '" + spec +
                         "'");
      }
      if (v[0] + v[1] - 2 > v[2] - 1) {
        throw UsageError("--planted " + spec + ": " + std::to_string(v[0] + v[1] - 2) +
                         " distinct cut sites do not fit in the L - 1 = " + std::to_string(v[2] - 1) + " sites");
      }
      const std::uint64_t key = PointKey("nnsim-digest/planted").add("NA", v[0]).add("NB", v[1]).add("L", v[2]).value();
      RandomStream rng(seed, key, 0, 0);
      const std::string name = "planted-" + std::to_string(v[0]) + "-" + std::to_string(v[1]) + "-" + std::to_string(v[2]);
      all.push_back(an::planted_instance(name, v[2], static_cast<int>(v[0]), static_cast<int>(v[1]), rng).instance);
    }
  }
  if (all.empty()) throw UsageError("no instances: give --instances FILE.json, --instance-text or --planted");
  std::set<std::string> names;
  for (const auto& instance : all) {
    instance.validate();
    if (instance.name.empty() || instance.name.find('/') != std::string::npos || instance.name == "." ||
        instance.name == "..") {
      throw UsageError("instance '" + instance.name + "': a name must be non-empty and contain no '/'");
    }
    if (!names.insert(instance.name).second) {
      throw UsageError("instance '" + instance.name + "' is given twice: names must be distinct");
    }
  }
  return all;
}

an::DigestMoveMix move_mix(const std::string& text) {
  const auto w = parse_real_grid(text, "move-mix");
  require(w.size() >= 3 && w.size() <= 5, "move-mix",
          "three or four weights R,S,T[,X] (reverse, swap, shift, exact window) and optionally the window size W",
          text);
  for (std::size_t k = 0; k < std::min<std::size_t>(w.size(), 4); ++k) {
    require(w[k] >= 0 && std::isfinite(w[k]), "move-mix", "non-negative weights", text);
  }
  const double window = w.size() >= 4 ? w[3] : 0.0;
  require(w[0] + w[1] + w[2] + window > 0, "move-mix", "weights that are not all zero", text);
  an::DigestMoveMix mix{w[0], w[1], w[2]};
  mix.window = window;
  if (w.size() == 5) {
    require(w[4] >= 2 && w[4] <= 8 && w[4] == std::floor(w[4]), "move-mix", "a window size W from 2 to 8", text);
    mix.window_size = static_cast<int>(w[4]);
  }
  return mix;
}

an::AnnealOptions anneal_options(const DigestOptions& o, const std::string& schedule, std::uint64_t replicas) {
  an::AnnealOptions a;
  require(schedule == "geometric" || schedule == "linear" || schedule == "adaptive" || schedule == "constant",
          "schedule", "one of geometric, linear, adaptive, constant", schedule);
  a.schedule = an::schedule_from_name(schedule);
  require(o.steps >= 1 && o.steps <= (std::uint64_t{1} << 50), "steps", "from 1 to 2^50", o.steps);
  require(o.exact_node_limit <= (std::uint64_t{1} << 50), "exact-node-limit", "from 0 (no limit) to 2^50",
          o.exact_node_limit);
  require(o.exact || o.exact_node_limit == 0, "exact-node-limit", "only together with --exact", o.exact_node_limit);
  require(o.steps_per_temperature >= 1 && o.steps_per_temperature <= o.steps, "steps-per-temperature",
          "from 1 to --steps", o.steps_per_temperature);
  require(o.initial_temperature >= 0 && std::isfinite(o.initial_temperature), "t0", ">= 0 (0 = automatic)",
          o.initial_temperature);
  require(o.final_temperature >= 0 && std::isfinite(o.final_temperature), "t-end", ">= 0 (0 = automatic)",
          o.final_temperature);
  require(replicas >= 1 && replicas <= 64, "replicas", "from 1 to 64", replicas);
  require(o.steps_per_exchange >= 1 && o.steps_per_exchange <= o.steps, "steps-per-exchange", "from 1 to --steps",
          o.steps_per_exchange);
  a.max_steps = o.steps;
  a.steps_per_temperature = o.steps_per_temperature;
  a.initial_temperature = o.initial_temperature;
  a.final_temperature = o.final_temperature;
  // Replica exchange does not restart; with a list of replica counts --restart-after applies to
  // the annealing configurations (replicas = 1).
  a.restart_after_levels = replicas == 1 ? o.restart_after : 0;
  a.stop_at_target = !o.continue_after_solution;
  a.trace_every = o.trace_every;
  a.replica_exchange.replicas = replicas;
  a.replica_exchange.steps_per_exchange = o.steps_per_exchange;
  if (replicas > 1) {
    // The automatic ladder: the hottest replica accepts an average uphill move with probability
    // 1/2, the coldest the smallest one with 1e-6 (it quenches what the exchanges bring down).
    // Measured on L40000 with --energy unmatched: 12 replicas need 15,500 steps per solution on
    // such a ladder, 27,000 on the annealing rule (0.8 and 0.001; docs/performance.md).
    a.initial_acceptance = 0.5;
    a.final_acceptance = 1e-6;
  }
  an::validate(a);
  return a;
}

std::vector<Configuration> configurations(const DigestOptions& o) {
  auto items = [](const std::string& text, char separator, const char* option) {
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, separator)) {
      const auto first = item.find_first_not_of(' ');
      const auto last = item.find_last_not_of(' ');
      item = first == std::string::npos ? "" : item.substr(first, last - first + 1);
      require(!item.empty(), option, "a non-empty list without empty items", text);
      out.push_back(item);
    }
    require(!out.empty() && text.back() != separator, option, "a non-empty list without empty items", text);
    return out;
  };
  const auto energies = items(o.energy, ',', "energy");
  const auto spaces = items(o.space, ',', "space");
  const auto schedules = items(o.schedule, ',', "schedule");
  const auto mixes = items(o.move_mix, ';', "move-mix");
  // --replicas auto: per space, the count that needed the fewest seconds per solution
  // (docs/performance.md, "piece space"): 2 in the piece space, 12 in the orderings space.
  const bool auto_replicas = o.replicas == "auto";
  std::vector<std::uint64_t> replica_counts;
  if (!auto_replicas) {
    for (const auto& r : items(o.replicas, ',', "replicas")) {
      const auto values = parse_integer_grid(r, "replicas");
      require(values.size() == 1 && values[0] >= 1 && values[0] <= 64, "replicas",
              "integers from 1 to 64, or auto", o.replicas);
      replica_counts.push_back(static_cast<std::uint64_t>(values[0]));
    }
  }
  require(!(o.restart_after > 0 &&
            std::none_of(replica_counts.begin(), replica_counts.end(), [](auto r) { return r == 1; })),
          "restart-after", "0 with replica exchange (--replicas > 1 does not restart)", o.restart_after);
  std::vector<Configuration> out;
  for (const auto& energy : energies) {
    const an::DigestEnergy form = an::digest_energy_from_name(energy);
    for (const auto& space : spaces) {
      const an::DigestSpace space_form = an::digest_space_from_name(space);
      const std::vector<std::uint64_t> space_replicas =
          auto_replicas ? std::vector<std::uint64_t>{space_form == an::DigestSpace::pieces ? 2u : 12u}
                        : replica_counts;
      for (const auto replicas : space_replicas) {
        for (const auto& schedule : schedules) {
          for (const auto& mix : mixes) {
            Configuration c;
            c.energy = energy;
            c.space = space;
            c.schedule = schedule;
            c.move_mix = mix;
            c.replicas = replicas;
            c.energy_form = form;
            c.space_form = space_form;
            c.mix = move_mix(mix);
            require(!(space_form == an::DigestSpace::pieces && c.mix.window > 0), "move-mix",
                    "a window weight of 0 with --space pieces (the window move rearranges orderings)", mix);
            c.options = anneal_options(o, schedule, replicas);
            out.push_back(std::move(c));
          }
        }
      }
    }
  }
  require(out.size() <= 1000, "energy, space, replicas, schedule, move-mix", "at most 1000 combinations",
          std::to_string(out.size()));
  return out;
}

std::size_t solution_width(const std::vector<an::Instance>& instances) {
  std::size_t width = 1;
  for (const auto& i : instances) width = std::max(width, i.a.size() + i.b.size() - 2);
  return width;
}

std::size_t state_width(const std::vector<an::Instance>& instances, bool piece_space) {
  std::size_t width = 1;
  for (const auto& i : instances) {
    width = std::max({width, i.a.size() + i.b.size(), piece_space ? 2 * i.c.size() - 1 : std::size_t{0}});
  }
  return width;
}

}  // namespace nnsim::digest_app

namespace {

using namespace nnsim;
using namespace nnsim::digest_app;
namespace an = nnsim::anneal;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// The engine suspends a run only with a trivially copyable schedule (annealer.hpp).
static_assert(std::is_trivially_copyable_v<an::Schedule>, "nnsim-digest runs must be suspendable");

int run(const MpiEnvironment& mpi, int argc, char** argv) {
  CommonOptions common;
  DigestOptions digest;
  po::options_description all;
  all.add(digest_options(digest))
      .add(common_options(common, "nnsim-digest.h5", 100,
                          "independent annealing runs per instance (fresh random start and moves)"));
  auto parsed = parse_options(argc, argv, all, mpi.comm());
  if (print_help_or_version(parsed, kProgram,
                            "Simulated annealing for the double-digest problem (restriction mapping), Section 4.3 of the\n"
                            "book: --samples independent runs per instance over MPI ranks, every solution met collected,\n"
                            "verified and counted as ordered pairs of orderings, distinct restriction maps and maps up to\n"
                            "mirror reversal; --exact checks them against an exact enumeration.\n"
                            "Runs under mpirun; results do not depend on ranks or threads (timings excepted).",
                            all, mpi)) {
    return kExitOk;
  }
  validate_common_options(common);
  log::set_quiet(common.quiet);
  // Instances are read on every rank (a small file); errors are the same everywhere.
  const auto instances = load_instances(digest, common.seed);
  const std::vector<Configuration> configs = configurations(digest);
  const std::size_t num_configs = configs.size();

  // Points are instance-major: point i * C + c is instance i under configuration c.
  std::vector<an::DoubleDigest> problems;
  std::vector<an::AnnealOptions> point_options;
  std::vector<std::uint64_t> keys;
  PointKey base("nnsim-digest/anneal");
  base.add("steps", digest.steps)
      .add("steps-per-temperature", digest.steps_per_temperature)
      .add("t0", digest.initial_temperature)
      .add("t-end", digest.final_temperature)
      .add("restart-after", digest.restart_after)
      .add("steps-per-exchange", digest.steps_per_exchange)
      .add("continue-after-solution", digest.continue_after_solution);
  std::string instances_text;
  for (const auto& instance : instances) {
    for (const auto& c : configs) {
      problems.emplace_back(instance, c.mix, c.energy_form, c.space_form);
      point_options.push_back(c.options);
      PointKey key = base;
      // The orderings space keeps the keys (and so the streams) of files written before --space.
      if (c.space_form != an::DigestSpace::orderings) key.add("space", c.space);
      keys.push_back(key.add("energy", c.energy)
                         .add("schedule", c.schedule)
                         .add("move-mix", c.move_mix)
                         .add("replicas", c.replicas)
                         .add("instance", an::format_instance_text(instance))
                         .value());
    }
    instances_text += (instances_text.empty() ? "" : "\n") + an::format_instance_text(instance);
  }
  const std::size_t solution_columns = solution_width(instances);
  const std::size_t state_columns = state_width(
      instances, std::any_of(configs.begin(), configs.end(),
                             [](const Configuration& c) { return c.space_form == an::DigestSpace::pieces; }));

  // The energy of each (energy, space) pair in the run: an equation (for the datasets) and a
  // description (for the file's "energy" attribute); one pair is stated plainly, several per point.
  auto equation_of = [](an::DigestEnergy form, an::DigestSpace space) -> std::string {
    if (space == an::DigestSpace::pieces) {
      return form == an::DigestEnergy::book
                 ? "--space pieces, --energy book: H = sum_j (a_j - a_hat_j)^2 / a_j + sum_j (b_j - b_hat_j)^2 / b_j, "
                   "(4.15) on the single digests"
                 : "--space pieces, --energy unmatched: H = (n_a - |a ∩ a_hat|) + (n_b - |b ∩ b_hat|) (multisets), "
                   "the A and B fragments the map does not reproduce";
    }
    return form == an::DigestEnergy::book
               ? "(4.15): H = sum_j (c_j - c_hat_j)^2 / c_j"
               : "--energy unmatched: H = K - |c ∩ c_hat| (multisets), the pieces of c the map does not reproduce "
                 "(zero exactly where (4.15) is)";
  };
  auto describe_energy = [](an::DigestEnergy form, an::DigestSpace space) -> std::string {
    if (space == an::DigestSpace::pieces) {
      return std::string("space pieces (an order of the pieces of c, an A, B or AB label on each cut between "
                         "them; c is reproduced by construction), ") +
             (form == an::DigestEnergy::book
                  ? "energy book: H = sum_j (a_j - a_hat_j)^2 / a_j + sum_j (b_j - b_hat_j)^2 / b_j over the lists "
                    "sorted alike, (4.15) applied to the single digests"
                  : "energy unmatched: H = (n_a - |a ∩ a_hat|) + (n_b - |b ∩ b_hat|), the A and B fragments (as "
                    "multisets) that the map does not reproduce exactly") +
             "; zero exactly at the solutions";
    }
    return form == an::DigestEnergy::book
               ? "space orderings (sigma, mu), energy book, (4.15): H(sigma, mu) = sum_j (c_j - c_hat_j)^2 / c_j over "
                 "the lists sorted in decreasing order; a coincident A/B cut gives a piece of length 0, and c is "
                 "padded with zeros to n_a + n_b - 1 pieces (a padding entry contributes c_hat_j)"
               : "space orderings (sigma, mu), energy unmatched: H(sigma, mu) = K - |c ∩ c_hat|, the number of "
                 "pieces of c (as a multiset) that the map does not reproduce exactly; zero exactly at the "
                 "solutions of (4.15); a coincident A/B cut gives a piece of length 0, and c is padded with zeros "
                 "to K = n_a + n_b - 1 pieces";
  };
  std::vector<std::pair<an::DigestEnergy, an::DigestSpace>> energy_forms;
  for (const auto& c : configs) {
    const std::pair form{c.energy_form, c.space_form};
    if (std::find(energy_forms.begin(), energy_forms.end(), form) == energy_forms.end()) energy_forms.push_back(form);
  }
  std::string equation, energy_description;
  for (const auto& [form, space] : energy_forms) {
    equation += (equation.empty() ? "" : "; or ") + equation_of(form, space);
    energy_description += (energy_description.empty() ? "" : "; or ") + describe_energy(form, space);
  }
  if (energy_forms.size() > 1) {
    equation.insert(0, "the point's energy (/points/energy, /points/space): ");
    energy_description.insert(0, "per point (/points/energy, /points/space): ");
  }
  GriddedExperiment e;
  e.program = kProgram;
  e.experiment = "anneal";
  e.spec.num_points = instances.size() * num_configs;
  const std::vector<ObservableInfo> observables = {
      {"best_energy", "lowest energy H met in the run", equation, "1"},
      {"solved", "1 if the run met a solution (H = 0), else 0", "", "1"},
      {"steps_to_solution", "Metropolis steps until the first solution; the run's steps if none (censored)", "", "1"},
      {"steps", "Metropolis steps made (all replicas and restarts)", "", "1"},
      {"restarts", "restarts from a random state", "", "1"},
      {"acceptance_rate", "accepted / proposed moves", "(4.12)", "1"},
      {"final_energy", "energy of the final state", equation, "1"},
      {"distinct_solutions", "distinct restriction maps of the solutions the run met", "", "1"},
      {"seconds", "wall time of the run on its core (measured: differs between runs and machines)", "", "s"},
      {"seconds_to_solution", "wall time until the first solution, NaN if none (measured: not reproducible)", "",
       "s"},
  };
  for (const auto& o : observables) e.spec.observables.push_back(o.name);
  e.observables = observables;
  e.spec.records = {{"solutions", solution_columns}, {"trace", 2}, {"final_state", state_columns}};
  e.record_observables = {
      {"solutions",
       "every distinct solution (H = 0) the run met, one restriction map per row: the A cut positions in "
       "increasing order, then the B cut positions, NaN-padded to the widest instance (an instance with n_a, n_b "
       "fragments fills n_a - 1 + n_b - 1 columns)",
       "", "1"},
      {"trace", "(step, energy H) of the (coldest) chain every trace-every steps", equation, "1"},
      {"final_state",
       "the final state, NaN-padded: orderings space (/points/space), sigma (indices into a) then mu (indices into "
       "b); piece space, the order of the pieces (indices into c) then the labels of the cuts between them (1 = A, "
       "2 = B, 3 = both)",
       "", "1"},
  };
  e.spec.cost = [&instances, num_configs](std::uint64_t point) {
    const auto& i = instances[point / num_configs];
    return static_cast<double>(i.a.size() + i.b.size());
  };
  const std::uint64_t seed = common.seed;
  e.spec.run_with_records = [&problems, &point_options, keys, seed, solution_columns, state_columns](
                                const Task& task, const CancelFlag& cancel) {
    const auto& problem = problems[task.point];
    const auto& options = point_options[task.point];
    const auto& instance = problem.instance();
    RandomStream rng(seed, keys[task.point], task.sample, 0);
    // A run stopped mid-way (a signal, --time-limit) hands its state to the ensemble layer
    // (nnsim::Suspended) and, after --resume, continues from it with the same result.
    TaskState saved;
    saved.seconds_to_solution = kNaN;
    an::AnnealControl<an::DigestState> control;
    if (!task.resume_state.empty()) {
      saved = decode_task_state(task.resume_state);
      control.resume = &saved.snapshot;
    }
    std::set<an::RestrictionMap>& found = saved.found;
    const auto start = std::chrono::steady_clock::now();
    const double seconds_before = saved.seconds;
    auto elapsed = [&] {
      return seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    double& first_seconds = saved.seconds_to_solution;
    control.cancel = &cancel;
    // The progress line counts a long run by its steps (display only; a run that meets its
    // solution early simply finishes sooner than this fraction promised).
    const double budget = static_cast<double>(options.max_steps);
    control.on_level = [&task, budget](const an::LevelReport& report, const an::DigestState&) {
      report_progress(task, static_cast<double>(report.step) / budget);
      return true;
    };
    control.on_solution = [&](const an::DigestState& state, std::uint64_t) {
      if (found.empty()) first_seconds = elapsed();
      found.insert(problem.map(state));
    };
    control.suspend = [&](const an::AnnealSnapshot<an::DigestState>& snapshot) {
      TaskState state;
      state.snapshot = snapshot;
      state.found = found;
      state.seconds = elapsed();
      state.seconds_to_solution = first_seconds;
      throw Suspended(encode_task_state(state));
    };
    const auto r = an::minimize(problem, options, rng, control);
    const double seconds = elapsed();
    TaskOutput out;
    out.values.assign(kTaskValues, 0.0);
    out.values[kBestEnergy] = r.best_energy;
    out.values[kSolved] = r.solved ? 1.0 : 0.0;
    out.values[kStepsToSolution] = static_cast<double>(r.steps_to_solution);
    out.values[kSteps] = static_cast<double>(r.steps);
    out.values[kRestarts] = static_cast<double>(r.restarts);
    out.values[kAcceptance] = r.acceptance_rate;
    out.values[kFinalEnergy] = r.final_energy;
    out.values[kDistinctSolutions] = static_cast<double>(found.size());
    out.values[kSeconds] = seconds;
    out.values[kSecondsToSolution] = first_seconds;
    out.records.resize(kTaskRecords);
    for (const auto& map : found) {
      std::vector<double> row(solution_columns, kNaN);
      std::size_t k = 0;
      for (const auto x : map.a_cuts) row[k++] = static_cast<double>(x);
      for (const auto x : map.b_cuts) row[k++] = static_cast<double>(x);
      out.records[kSolutions].insert(out.records[kSolutions].end(), row.begin(), row.end());
    }
    for (const auto& point : r.trace) {
      out.records[kTrace].push_back(static_cast<double>(point.step));
      out.records[kTrace].push_back(point.energy);
    }
    std::vector<double> state(state_columns, kNaN);
    std::size_t k = 0;
    for (const int s : r.final_state.sigma) state[k++] = s;
    for (const int m : r.final_state.mu) state[k++] = m;
    for (const int piece : r.final_state.order) state[k++] = piece;
    for (const auto label : r.final_state.cuts) state[k++] = label;
    out.records[kFinalState] = state;
    (void)instance;
    return out;
  };
  std::vector<std::int64_t> lengths, n_a, n_b, n_c, config_index, replica_counts;
  for (const auto& i : instances) {
    for (std::size_t c = 0; c < num_configs; ++c) {
      lengths.push_back(i.L);
      n_a.push_back(static_cast<std::int64_t>(i.a.size()));
      n_b.push_back(static_cast<std::int64_t>(i.b.size()));
      n_c.push_back(static_cast<std::int64_t>(i.c.size()));
      config_index.push_back(static_cast<std::int64_t>(c));
      replica_counts.push_back(static_cast<std::int64_t>(configs[c].replicas));
    }
  }
  e.points = {{"L", lengths, "length L of the molecule", "1"},
              {"fragments_a", n_a, "fragments of enzyme A", "1"},
              {"fragments_b", n_b, "fragments of enzyme B", "1"},
              {"fragments_c", n_c, "fragments of the double digest", "1"},
              {"configuration", config_index,
               "index c of the point's configuration (/points/energy, replicas, schedule, move_mix); point = "
               "instance * C + c",
               "1"},
              {"replicas", replica_counts, "replicas of replica exchange (1 = simulated annealing)", "1"}};
  e.point_keys = keys;
  e.fingerprint_inputs = instances_text;
  e.attributes = {{"instances", instances_text},
                  {"energy", energy_description},
                  {"acceptance", "Metropolis (4.12): accept with probability min(1, exp(-Delta H / T))"}};
  e.run_control_options = {"trace-every"};
  std::vector<an::ExactResult> exact;
  e.write_extra = [&](io::File& file, const EnsembleResult& result) {
    if (digest.exact && exact.empty()) {
      for (const auto& instance : instances) {
        log::info("exact enumeration of '" + instance.name + "'");
        an::ExactOptions options;
        options.node_limit = digest.exact_node_limit;
        exact.push_back(an::enumerate_solutions(instance, options));
        if (!exact.back().complete) {
          log::warn("exact enumeration of '" + instance.name + "' stopped at --exact-node-limit " +
                    std::to_string(digest.exact_node_limit) + " nodes: " + std::to_string(exact.back().map_count) +
                    " maps so far (a lower bound); found_all is 0");
        }
      }
    }
    EnsembleSpec spec = e.spec;  // as run: run_gridded_experiment sets the sample range
    spec.samples_per_point = common.samples;
    spec.first_sample = common.first_sample;
    write_instances(file, instances, configs, spec, result, exact);
  };
  return run_gridded_experiment(e, common, parsed, all, mpi);
}

}  // namespace

int main(int argc, char** argv) { return nnsim::driver_main(argc, argv, kProgram, run); }
