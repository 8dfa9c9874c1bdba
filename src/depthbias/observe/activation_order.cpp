#include "depthbias/observe/activation_order.hpp"

#include "depthbias/observe/observer.hpp"

namespace depthbias {
namespace {

class ActivationOrderObserver final : public Observer {
public:
    explicit ActivationOrderObserver(double threshold) : order_(threshold) {}
    StepAction observe(const StepView& v) override {
        order_.observe(v);
        return StepAction::Continue;
    }
    bool resumable() const override { return true; }
    nlohmann::json save_state() const override { return order_.save_state(); }
    void restore_state(const nlohmann::json& s) override { order_.restore_state(s); }
    void finish(const ObserverReport& r) override {
        if (!r.finished) return;
        r.summary.activation_order = order_.order();
        r.summary.activation_times = order_.times();
    }

private:
    ActivationOrder order_;
};

const Registrar<ObserverEntry> registration{{
    .name = "activation_order",
    .doc = "the order in which coordinates first exceed observe.activation_threshold (summary: activation_order, "
           "activation_times); off when the threshold is 0",
    .build = [](const ObserverContext& c) -> std::unique_ptr<Observer> {
        if (!(c.observe.activation_threshold > 0)) return nullptr;
        return std::make_unique<ActivationOrderObserver>(c.observe.activation_threshold);
    },
}};

}  // namespace
}  // namespace depthbias
