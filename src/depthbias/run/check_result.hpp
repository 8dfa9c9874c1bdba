// The outcome of one check of an experiment against a paper / theory claim, shared by the linear experiments
// (run/experiment_checks) and the deep-net module (deepnets/experiments).
//
// Contract:
//   - status is pass, fail or not_evaluated. A check is `pass` only when its inputs were measured: a check whose
//     runs are missing, diverged, whose values are not finite, or that is inconclusive is `not_evaluated` (or
//     `fail`), never `pass`. Checks of pure references (no runs, e.g. the separation map) may pass.
//   - JSON: {"name", "claim" (when known), "status", "pass": status == "pass", "detail", "runs"}; "runs" lists the
//     labels of the runs the check read ([] for a check of references only). Readers should use "status"; "pass"
//     is kept for readers of the older format (true only for a passed check).
//   - Exit status (checks_exit_code): 3 when a run diverged, else 4 when a check failed or was not evaluated,
//     else 0.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace depthbias {

enum class CheckStatus { Pass, Fail, NotEvaluated };

const char* to_string(CheckStatus s);  // "pass", "fail", "not_evaluated"

struct CheckResult {
    std::string name;
    std::string claim;  // "" when the check names no claim
    CheckStatus status = CheckStatus::NotEvaluated;
    std::string detail;               // the measured values, or why the check was not evaluated
    std::vector<std::string> runs;    // labels of the runs read
};

nlohmann::json to_json(const CheckResult& c);
// A stored check (an entry of experiment.json's "checks"; `path` is its place there, "checks[2]"), validated: throws
// IoError naming the field. An entry of the older format without "status" reads its "pass".
CheckResult check_result_from_json(const nlohmann::json& j, const std::string& origin, const std::string& path);

// The status of a check in JSON form: its "status", or for an entry without one, "pass" / "fail" from "pass".
std::string check_status(const nlohmann::json& check);
// What the command line prints in brackets: "pass", "FAIL", "not evaluated".
std::string check_status_label(const std::string& status);
// 0 when every check passed, else 4 (failed or not evaluated). Diverged runs (exit 3) are the caller's to test.
int checks_exit_code(const nlohmann::json& checks);
int checks_exit_code(const std::vector<CheckResult>& checks);

}  // namespace depthbias
