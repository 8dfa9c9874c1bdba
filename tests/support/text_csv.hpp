// Test helpers for text files the CLI writes: whole-file read/write and a CSV table of strings (sweep.csv and the
// like have text columns such as status and labels; the engine's io/csv_table reads numeric tables only).
// CSV: comma-separated, double-quoted fields may contain commas and "" for a quote. Not thread safe to share.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace depthbias::test_support {

// (read_text: support/temp_dir.hpp)
std::string write_text(const std::filesystem::path& p, const std::string& text);  // creates parents; returns path

std::vector<std::string> split_csv_line(const std::string& line);

struct TextCsv {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    // The field of `row` in column `name`, or "<no column NAME>".
    std::string col(size_t row, const std::string& name) const;
};
TextCsv read_text_csv(const std::filesystem::path& p);

}  // namespace depthbias::test_support
