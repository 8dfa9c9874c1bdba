// task.data_file (tasks/data_file.hpp): the reader returns the written doubles bit for bit; a task built from a
// data file holding a sampled task's own data computes the same loss and gradient as the sampled task (the data
// path is the same objective, not a re-implementation); bad files are ConfigErrors naming task.data_file and the
// place.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

#include "depthbias/core/error.hpp"
#include "depthbias/tasks/binary_classification.hpp"
#include "depthbias/tasks/data_file.hpp"
#include "depthbias/tasks/sparse_regression.hpp"
#include "depthbias/tasks/task_registry.hpp"

namespace fs = std::filesystem;
using namespace depthbias;

namespace {

std::string temp_file(const std::string& name, const std::string& text) {
    const fs::path p = fs::temp_directory_path() / ("depthbias-data-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(p) << text;
    return p.string();
}

// Rows of x then the label, 17 significant digits (round-trips every double).
std::string csv(const Mat& x, const Vec& y, const std::string& label) {
    std::string s;
    for (Index j = 0; j < x.cols(); ++j) s += "x" + std::to_string(j) + ",";
    s += label + "\n";
    char buf[40];
    for (Index i = 0; i < x.rows(); ++i) {
        for (Index j = 0; j < x.cols(); ++j) {
            std::snprintf(buf, sizeof buf, "%.17g,", x(i, j));
            s += buf;
        }
        std::snprintf(buf, sizeof buf, "%.17g\n", y(i));
        s += buf;
    }
    return s;
}

void expect_same_objective(const Task& a, const Task& b, std::uint64_t seed) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> n01;
    Predictor p, ga, gb;
    p.beta = Mat(a.rows(), a.cols());
    for (Index i = 0; i < p.beta.size(); ++i) p.beta.data()[i] = n01(gen);
    ga.beta = Mat::Zero(a.rows(), a.cols());
    gb.beta = Mat::Zero(b.rows(), b.cols());
    ASSERT_EQ(a.rows(), b.rows());
    EXPECT_EQ(a.loss_and_gradient(p, ga), b.loss_and_gradient(p, gb));
    EXPECT_EQ(ga.beta, gb.beta);
    EXPECT_EQ(a.loss(p), b.loss(p));
}

}  // namespace

TEST(DataFile, ReadsTheWrittenDoublesExactly) {
    Mat x(3, 2);
    x << 0.1 + 0.2, -1e-300, 5e-324, 1.0 / 3.0, 123456789.123456789, -0.0;
    Vec y(3);
    y << 1.0, -2.5e17, 7.0;
    const std::string f = temp_file("exact.csv", "# a comment\n\n" + csv(x, y, "y"));
    const DataTable t = read_data_file(f);
    ASSERT_EQ(t.values.rows(), 3);
    EXPECT_EQ(t.columns, (std::vector<std::string>{"x0", "x1", "y"}));
    EXPECT_EQ(t.values.leftCols(2), x);
    EXPECT_EQ(Vec(t.values.col(2)), y);
    fs::remove(f);
}

TEST(DataFile, RegressionOnItsOwnSampledDataIsTheSameObjective) {
    TaskParams p;
    p.kind = "regression";
    p.d = 30;
    p.measurements = 12;
    p.target = {1.0, 0.5, 0.25};
    p.noise_std = 0.1;
    p.test_samples = 0;
    const auto sampled = build_task(p, {}, 3);
    const auto& r = dynamic_cast<const SparseRegression&>(*sampled);
    TaskParams q = p;
    q.data_file = temp_file("regression.csv", csv(r.inputs(), r.labels(), "y"));
    const auto from_file = build_task(q, {}, 99);  // (the seed no longer matters)
    expect_same_objective(*sampled, *from_file, 5);
    Predictor z;
    z.beta = Mat::Zero(30, 1);
    EXPECT_TRUE(std::isnan(from_file->reconstruction_error(z)));  // no planted target on user data
    EXPECT_TRUE(std::isnan(from_file->test_error(z)));
    fs::remove(q.data_file);
}

TEST(DataFile, ClassificationOnItsOwnSampledDataIsTheSameObjective) {
    TaskParams p;
    p.kind = "classification";
    p.d = 8;
    p.measurements = 20;
    p.target = {1.0, -1.0, 0.5};
    p.loss = "logistic";
    const auto sampled = build_task(p, {}, 4);
    const Mat& xt = dynamic_cast<const BinaryClassification&>(*sampled).signed_inputs();
    // Rows x_n = -x~_n with label -1 give the same signed rows x~_n = s_n x_n.
    Vec labels(xt.rows());
    Mat x = xt;
    for (Index i = 0; i < xt.rows(); ++i) {
        labels(i) = i % 2 ? -1.0 : 1.0;
        x.row(i) *= labels(i);
    }
    TaskParams q = p;
    q.data_file = temp_file("classification.csv", csv(x, labels, "label"));
    const auto from_file = build_task(q, {}, 4);
    expect_same_objective(*sampled, *from_file, 6);
    fs::remove(q.data_file);
}

TEST(DataFile, ErrorsNameTheKeyTheFileAndThePlace) {
    const auto message = [](const std::string& text, TaskParams p) -> std::pair<std::string, std::string> {
        p.data_file = temp_file("bad.csv", text);
        try {
            build_task(p, {}, 0);
        } catch (const ConfigError& e) {
            fs::remove(p.data_file);
            return {e.key(), e.what()};
        }
        fs::remove(p.data_file);
        return {"", "no error"};
    };
    TaskParams reg;
    reg.kind = "regression";
    reg.d = 2;
    reg.measurements = 2;
    auto [k1, m1] = message("x0,x1,y\n1,2,3\n4,five,6\n", reg);
    EXPECT_EQ(k1, "task.data_file");
    EXPECT_NE(m1.find("line 3, column 'x1': 'five' is not a number"), std::string::npos) << m1;
    EXPECT_NE(m1.find("bad.csv"), std::string::npos) << m1;
    auto [k2, m2] = message("x0,x0,y\n1,2,3\n", reg);
    EXPECT_NE(m2.find("column 'x0' appears twice"), std::string::npos) << m2;
    auto [k3, m3] = message("x0,x1,y\n1,2,3\n4,5,6\n7,8,9\n", reg);
    EXPECT_EQ(k3, "task.measurements") << m3;
    auto [k4, m4] = message("a,b,c,y\n1,2,3,4\n4,5,6,7\n", reg);
    EXPECT_EQ(k4, "task.d") << m4;
    TaskParams cls = reg;
    cls.kind = "classification";
    auto [k5, m5] = message("x0,x1,label\n1,2,1\n4,5,0.5\n", cls);
    EXPECT_EQ(k5, "task.data_file");
    EXPECT_NE(m5.find("is not -1 or +1"), std::string::npos) << m5;
    TaskParams mc;
    mc.kind = "completion";
    mc.d = 3;
    mc.measurements = 2;
    auto [k6, m6] = message("row,col,value\n0,1,1.5\n2,3,1\n", mc);
    EXPECT_NE(m6.find("column 'col'"), std::string::npos) << m6;
    auto [k7, m7] = message("row,col,value\n0,1.5,1\n2,0,1\n", mc);
    EXPECT_NE(m7.find("not an integer index"), std::string::npos) << m7;
}
