// Reads back the numeric CSV files the engine writes (header line + numbers), for figures and checks.
#pragma once
#include <string>
#include <vector>

namespace depthbias {

struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::vector<double>> rows;
    int column(const std::string& name) const;  // index, or -1
};

CsvTable read_csv(const std::string& path);  // throws IoError naming the file

}  // namespace depthbias
