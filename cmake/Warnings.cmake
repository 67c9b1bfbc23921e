# Project-wide warning set, applied per target with ddns_warnings(<target>).
function(ddns_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wnull-dereference
    -Wimplicit-fallthrough)
  if(DDNS_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
