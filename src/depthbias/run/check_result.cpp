#include "depthbias/run/check_result.hpp"

#include "depthbias/results/json_reader.hpp"

namespace depthbias {

const char* to_string(CheckStatus s) {
    switch (s) {
        case CheckStatus::Pass: return "pass";
        case CheckStatus::Fail: return "fail";
        case CheckStatus::NotEvaluated: break;
    }
    return "not_evaluated";
}

nlohmann::json to_json(const CheckResult& c) {
    nlohmann::json j = {{"name", c.name}};
    if (!c.claim.empty()) j["claim"] = c.claim;
    j["status"] = to_string(c.status);
    j["pass"] = c.status == CheckStatus::Pass;
    j["detail"] = c.detail;
    j["runs"] = c.runs;
    return j;
}

CheckResult check_result_from_json(const nlohmann::json& j, const std::string& origin, const std::string& path) {
    const JsonReader r{origin};
    r.object(j, path);
    CheckResult c;
    c.name = r.string(r.at(j, "name", path + ".name"), path + ".name");
    if (j.contains("claim")) c.claim = r.string(j.at("claim"), path + ".claim");
    std::string status;
    if (j.contains("status"))
        status = r.string(j.at("status"), path + ".status");
    else
        status = r.boolean(r.at(j, "pass", path + ".pass"), path + ".pass") ? "pass" : "fail";
    if (status == "pass")
        c.status = CheckStatus::Pass;
    else if (status == "fail")
        c.status = CheckStatus::Fail;
    else if (status == "not_evaluated")
        c.status = CheckStatus::NotEvaluated;
    else
        r.fail(path + ".status", "must be pass, fail or not_evaluated (not '" + status + "')");
    c.detail = r.string(r.at(j, "detail", path + ".detail"), path + ".detail");
    if (j.contains("runs")) c.runs = r.strings(j.at("runs"), path + ".runs");
    return c;
}

std::string check_status(const nlohmann::json& c) {
    if (c.contains("status") && c["status"].is_string()) return c["status"].get<std::string>();
    return c.value("pass", false) ? "pass" : "fail";
}

std::string check_status_label(const std::string& status) {
    if (status == "pass") return "pass";
    if (status == "fail") return "FAIL";
    return "not evaluated";
}

int checks_exit_code(const std::vector<CheckResult>& checks) {
    for (const auto& c : checks)
        if (c.status != CheckStatus::Pass) return 4;
    return 0;
}

int checks_exit_code(const nlohmann::json& checks) {
    for (const auto& c : checks)
        if (check_status(c) != "pass") return 4;
    return 0;
}

}  // namespace depthbias
