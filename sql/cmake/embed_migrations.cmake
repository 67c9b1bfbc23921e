# Writes a C++ source holding every sql/migrations/NNN_name.sql as a raw string literal.
# Usage: cmake -DMIGRATIONS_DIR=<dir> -DOUTPUT=<file.cpp> -P embed_migrations.cmake
file(GLOB files "${MIGRATIONS_DIR}/*.sql")
list(SORT files)
set(delimiter "ddns_sql_")  # at most 16 characters
set(body "")
set(previous 0)
foreach(file IN LISTS files)
  get_filename_component(base "${file}" NAME_WE)
  if(NOT base MATCHES "^([0-9][0-9][0-9])_([a-z0-9_]+)$")
    message(FATAL_ERROR "migration file name must be NNN_name.sql: ${file}")
  endif()
  set(name "${CMAKE_MATCH_2}")
  math(EXPR version "${CMAKE_MATCH_1}")
  # Gaps are allowed (branches reserve numbers and land in any order); duplicates are not.
  if(NOT version GREATER previous)
    message(FATAL_ERROR "migration numbers must be unique and start at 001: ${file}")
  endif()
  set(previous ${version})
  file(READ "${file}" sql)
  string(FIND "${sql}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file} contains the raw-string delimiter")
  endif()
  string(APPEND body "    {${version}, \"${name}\", R\"${delimiter}(${sql})${delimiter}\"},\n")
endforeach()
if(previous EQUAL 0)
  message(FATAL_ERROR "no migrations found in ${MIGRATIONS_DIR}")
endif()

set(content "// Generated from sql/migrations/*.sql by embed_migrations.cmake. Do not edit.
#include \"migrations.hpp\"

namespace ddns::sql {
namespace {
const Migration kMigrations[] = {
${body}};
}  // namespace

std::span<const Migration> compiled_migrations() noexcept { return kMigrations; }

}  // namespace ddns::sql
")
file(WRITE "${OUTPUT}" "${content}")
