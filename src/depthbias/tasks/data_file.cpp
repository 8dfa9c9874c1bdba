#include "depthbias/tasks/data_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "depthbias/core/error.hpp"

namespace depthbias {
namespace {

namespace fs = std::filesystem;

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::string cell;
    std::istringstream in(line);
    while (std::getline(in, cell, ',')) out.push_back(trim(cell));
    if (!line.empty() && line.back() == ',') out.emplace_back();
    return out;
}

[[noreturn]] void fail(const std::string& key, const std::string& path, const std::string& what) {
    throw ConfigError(key, "'" + path + "': " + what);
}

[[noreturn]] void fail(const std::string& path, const std::string& what) { fail("task.data_file", path, what); }

// One cell as a double, read exactly (from_chars; a leading '+' allowed); nullopt if it is not a number.
bool parse_number(const std::string& c, double& v) {
    const char* b = c.data();
    const char* e = c.data() + c.size();
    if (!c.empty() && *b == '+') ++b;  // from_chars takes no '+'
    const auto r = std::from_chars(b, e, v);
    return !c.empty() && r.ec == std::errc() && r.ptr == e;
}

}  // namespace

DataTable read_data_file(const std::string& path, const CsvFormat& format) {
    const std::string& key = format.key;
    if (path.empty()) throw ConfigError(key, "is empty");
    std::error_code ec;
    if (fs::is_directory(path, ec)) fail(key, path, "cannot be read: it is a directory");
    std::ifstream in(path);
    if (!in) fail(key, path, "cannot be read");
    DataTable t;
    t.path = path;
    std::string line;
    std::vector<double> values;
    std::size_t line_no = 0;
    bool headerless = false;
    while (std::getline(in, line)) {
        ++line_no;
        const std::string s = trim(line);
        if (s.empty() || s[0] == '#') continue;
        const std::vector<std::string> cells = split(s);
        if (t.columns.empty()) {
            double ignored = 0;
            const auto numeric = std::count_if(cells.begin(), cells.end(),
                                               [&](const std::string& c) { return parse_number(c, ignored); });
            if (!format.headerless_columns.empty() && numeric == std::ptrdiff_t(cells.size())) {
                t.columns = format.headerless_columns;  // no header: this line is data
                headerless = true;
            } else if (!format.headerless_columns.empty() && numeric > 0) {
                // Where the header is optional, a first line mixing numbers and names is neither (e.g. "0.5,1e"):
                // taken as a header it would silently drop a data point.
                fail(key, path, "line " + std::to_string(line_no) + ": '" + s +
                                    "' is neither a header of column names nor a line of numbers");
            } else {
                std::set<std::string> seen;
                for (const auto& c : cells) {
                    if (c.empty()) fail(key, path, "line " + std::to_string(line_no) + ": an empty column name in the header");
                    if (!seen.insert(c).second)
                        fail(key, path, "line " + std::to_string(line_no) + ": column '" + c + "' appears twice");
                }
                t.columns = cells;
                continue;
            }
        }
        if (cells.size() != t.columns.size())
            fail(key, path, "line " + std::to_string(line_no) + " has " + std::to_string(cells.size()) + " values, " +
                                (headerless ? "expected " : "the header ") + std::to_string(t.columns.size()) +
                                " columns");
        for (std::size_t j = 0; j < cells.size(); ++j) {
            const std::string& c = cells[j];
            double v = 0;
            if (!parse_number(c, v))
                fail(key, path, "line " + std::to_string(line_no) + ", column '" + t.columns[j] + "': '" + c + "' is not a number");
            if (!std::isfinite(v))
                fail(key, path, "line " + std::to_string(line_no) + ", column '" + t.columns[j] + "': " + c + " is not finite");
            values.push_back(v);
        }
        t.lines.push_back(line_no);
    }
    const std::size_t rows = t.lines.size();
    if (t.columns.empty()) fail(key, path, "has no header line");
    if (rows == 0) fail(key, path, "has a header but no data lines");
    t.values.resize(Index(rows), Index(t.columns.size()));
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < t.columns.size(); ++j) t.values(Index(i), Index(j)) = values[i * t.columns.size() + j];
    return t;
}

namespace {

void require_rows(const DataTable& t, Index rows) {
    if (t.values.rows() != rows)
        throw ConfigError("task.measurements", "is " + std::to_string(rows) + " but the data file '" + t.path + "' has " +
                                                   std::to_string(t.values.rows()) + " data lines; set task.measurements = " +
                                                   std::to_string(t.values.rows()));
}

}  // namespace

LabelledData labelled_data(const DataTable& t, const std::string& label_column, Index features,
                           const std::string& features_key, Index rows) {
    if (t.columns.back() != label_column)
        fail(t.path, "the last column must be '" + label_column + "', got '" + t.columns.back() + "'");
    const Index got = Index(t.columns.size()) - 1;
    if (got != features)
        throw ConfigError(features_key, "asks for " + std::to_string(features) + " feature columns but the data file '" +
                                            t.path + "' has " + std::to_string(got) + " (before '" + label_column + "')");
    require_rows(t, rows);
    LabelledData d;
    d.x = t.values.leftCols(got);
    d.y = t.values.col(got);
    return d;
}

ObservedEntries observed_entries(const DataTable& t, Index d, Index rows) {
    if (t.columns != std::vector<std::string>{"row", "col", "value"})
        fail(t.path, "the columns must be row, col, value (observed entries, 0-based indices)");
    require_rows(t, rows);
    ObservedEntries e;
    e.value = t.values.col(2);
    std::set<Index> seen;
    for (Index i = 0; i < t.values.rows(); ++i) {
        for (int c = 0; c < 2; ++c) {
            const double v = t.values(i, c);
            if (v != std::floor(v) || v < 0 || v >= double(d))
                fail(t.path, "line " + std::to_string(t.lines[std::size_t(i)]) + ", column '" + t.columns[size_t(c)] + "': " +
                                 std::to_string(v) + " is not an integer index in [0, task.d = " + std::to_string(d) + ")");
        }
        const Index k = Index(t.values(i, 0)) + d * Index(t.values(i, 1));
        if (!seen.insert(k).second)
            fail(t.path, "line " + std::to_string(t.lines[std::size_t(i)]) + ": entry (" + std::to_string(Index(t.values(i, 0))) + ", " +
                             std::to_string(Index(t.values(i, 1))) + ") is observed twice");
        e.index.push_back(k);
    }
    return e;
}

}  // namespace depthbias
