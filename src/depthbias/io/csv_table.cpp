#include "depthbias/io/csv_table.hpp"

#include <fstream>
#include <limits>
#include <sstream>

#include "depthbias/core/error.hpp"

namespace depthbias {

int CsvTable::column(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i)
        if (header[i] == name) return int(i);
    return -1;
}

CsvTable read_csv(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw IoError("cannot read " + path);
    CsvTable t;
    std::string line;
    if (!std::getline(f, line)) throw IoError(path + " is empty");
    std::stringstream hs(line);
    for (std::string cell; std::getline(hs, cell, ',');) t.header.push_back(cell);
    while (std::getline(f, line)) {
        if (line.empty()) continue;
        std::vector<double> row;
        std::stringstream ls(line);
        for (std::string cell; std::getline(ls, cell, ',');) {
            try {
                row.push_back(std::stod(cell));
            } catch (...) {
                row.push_back(std::numeric_limits<double>::quiet_NaN());
            }
        }
        t.rows.push_back(std::move(row));
    }
    return t;
}

}  // namespace depthbias
