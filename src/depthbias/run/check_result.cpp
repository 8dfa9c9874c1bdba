#include "depthbias/run/check_result.hpp"

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

std::string check_status(const nlohmann::json& c) {
    if (c.contains("status") && c["status"].is_string()) return c["status"].get<std::string>();
    return c.value("pass", false) ? "pass" : "fail";
}

std::string check_status_label(const std::string& status) {
    if (status == "pass") return "pass";
    if (status == "fail") return "FAIL";
    return "not evaluated";
}

int checks_exit_code(const nlohmann::json& checks) {
    for (const auto& c : checks)
        if (check_status(c) != "pass") return 4;
    return 0;
}

}  // namespace depthbias
