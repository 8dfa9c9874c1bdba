// Base of the observers that compare a run with an exact solution (an oracle) along training: at the run's recording
// times ([observe] schedule, and the final state) the derived class measures an error of the run against its oracle
// (error_at), and the summary gets
//   final.<prefix>_max_error: the largest error over the compared times (absent when no time was compared, so a check
//                             on it is then not evaluated),
//   final.<prefix>_compared:  the number of compared times,
// plus what the derived class adds (add_final). Resumable: its state is three numbers. Allocation: whatever
// error_at does, at the compared times only. One instance per run, not shared between threads.
#pragma once
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "depthbias/core/state_io.hpp"
#include "depthbias/observe/observer.hpp"
#include "depthbias/observe/schedule.hpp"

namespace depthbias {

class OracleComparison : public Observer {
public:
    OracleComparison(RecordSchedule schedule, std::string prefix) : schedule_(schedule), prefix_(std::move(prefix)) {}

    StepAction observe(const StepView& v) final {
        if (!(v.time >= next_) && !v.final) return StepAction::Continue;
        next_ = schedule_.next_after(v.time);
        max_error_ = std::max(max_error_, error_at(v));
        ++compared_;
        return StepAction::Continue;
    }

    bool resumable() const final { return true; }
    nlohmann::json save_state() const final {
        return {{"next", next_}, {"max_error", max_error_}, {"compared", compared_}};
    }
    void restore_state(const nlohmann::json& s) final {
        next_ = state::number(s, "next");
        max_error_ = state::number(s, "max_error");
        compared_ = state::integer(s, "compared");
    }

    void finish(const ObserverReport& r) final {
        if (!r.finished || !r.summary.final) return;
        auto& f = r.summary.final->values;
        if (compared_ > 0) f[prefix_ + "_max_error"] = max_error_;
        f[prefix_ + "_compared"] = double(compared_);
        add_final(f);
    }

protected:
    // The run's error against the oracle at v (v.time in the flow's time; GD iterate k at k lr).
    virtual double error_at(const StepView& v) = 0;
    // Further final values (the oracle's parameters), written with the two above.
    virtual void add_final(std::map<std::string, std::optional<double>>& /*final_values*/) {}

private:
    RecordSchedule schedule_;
    std::string prefix_;
    double next_ = 0;
    double max_error_ = 0;
    long compared_ = 0;
};

}  // namespace depthbias
