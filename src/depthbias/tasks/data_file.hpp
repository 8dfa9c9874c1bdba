// User data for the tasks (task.data_file): one CSV format read by the tasks that accept data of their own instead
// of sampling it. The file: a header line of column names, then one line per sample of comma-separated decimal
// numbers (read exactly: std::from_chars, correctly rounded; write doubles with 17 significant digits or Python's
// repr to round-trip bit for bit). Blank lines and lines starting with '#' are skipped. Every value must be
// finite. Columns by task (docs/DATA.md):
//   regression      d feature columns (any names), then `y`              n rows    task.d = d, task.measurements = n
//   sensing         d*d columns vec(A_i) (column-major), then `y`         m rows    task.d = d, task.measurements = m
//   classification  d feature columns, then `label` in {-1, +1}          n rows    task.d = d, task.measurements = n
//   completion      `row`, `col` (0-based integers < task.d), `value`    m rows    task.measurements = m
// A data file replaces sampling: there is no planted target (target() is zero, reconstruction and test errors are
// NaN) and no test set. Errors: ConfigError naming task.data_file, with the file, line and column at fault.
// Paths are relative to the working directory of the process.
#pragma once
#include <string>
#include <vector>

#include "depthbias/core/types.hpp"

namespace depthbias {

struct DataTable {
    std::string path;
    std::vector<std::string> columns;
    Mat values;                      // rows x columns
    std::vector<std::size_t> lines;  // 1-based line number in the file of each data row (for error messages)
};

// How a file is read: the option every error names, and whether the header may be left out.
struct CsvFormat {
    std::string key = "task.data_file";
    // Non-empty: a file whose first line is all numbers has no header and these are its columns (the line is data).
    std::vector<std::string> headerless_columns;
};

// Read and check a data file (ConfigError naming format.key on any problem).
DataTable read_data_file(const std::string& path, const CsvFormat& format = {});

// The checks each task makes of a table (ConfigError naming task.data_file, or task.d / task.measurements when
// the config disagrees with the file's shape).
struct LabelledData {
    Mat x;  // n x features
    Vec y;  // n
};
// Features then a last column named `label_column`; `features` columns expected (task.d or task.d^2) and n rows
// (task.measurements).
LabelledData labelled_data(const DataTable& t, const std::string& label_column, Index features,
                           const std::string& features_key, Index rows);
// Observed entries of a d x d matrix: columns row, col, value; distinct in-range integer indices.
struct ObservedEntries {
    std::vector<Index> index;  // column-major linear index row + d * col, in file order
    Vec value;
};
ObservedEntries observed_entries(const DataTable& t, Index d, Index rows);

}  // namespace depthbias
