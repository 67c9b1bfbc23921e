# Writes a C++ source holding every file under FILES_DIR (recursively) as a raw string literal,
# named by its path relative to FILES_DIR ("page/login.html", "static/style.css").
# Usage: cmake -DFILES_DIR=<dir> -DOUTPUT=<file.cpp> -P embed_files.cmake
file(GLOB_RECURSE files RELATIVE "${FILES_DIR}" "${FILES_DIR}/*")
list(SORT files)
set(delimiter "ddns_tpl_")  # at most 16 characters
set(body "")
foreach(name IN LISTS files)
  if(NOT name MATCHES "^[a-z0-9_/.-]+$")
    message(FATAL_ERROR "template file names are lower-case ASCII: ${name}")
  endif()
  file(READ "${FILES_DIR}/${name}" content)
  string(FIND "${content}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${name} contains the raw-string delimiter")
  endif()
  string(APPEND body "    {\"${name}\", R\"${delimiter}(${content})${delimiter}\"},\n")
endforeach()

set(source "// Generated from gateway/templates/ by embed_files.cmake. Do not edit.
#include \"ddns/gateway/base/templates.hpp\"

namespace ddns::gateway {
namespace {
const EmbeddedFile kFiles[] = {
${body}};
}  // namespace

std::span<const EmbeddedFile> embedded_files() noexcept { return kFiles; }

}  // namespace ddns::gateway
")
file(WRITE "${OUTPUT}.tmp" "${source}")
# Only a changed content touches the output, so an unchanged tree rebuilds nothing.
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
