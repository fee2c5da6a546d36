/* export.h - symbol visibility for the libecommerce public API.
 *
 * Every public function is declared with EC_API.  The library is built with
 * -fvisibility=hidden and a linker version script, so only EC_API symbols
 * (all named ec_*) are exported from the shared object. */
#ifndef EC_EXPORT_H
#define EC_EXPORT_H

#if defined(_WIN32) && defined(EC_BUILDING_DLL)
#define EC_API __declspec(dllexport)
#elif defined(_WIN32) && !defined(EC_STATIC)
#define EC_API __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define EC_API __attribute__((visibility("default")))
#else
#define EC_API
#endif

#ifdef __cplusplus
#define EC_BEGIN_DECLS extern "C" {
#define EC_END_DECLS }
#else
#define EC_BEGIN_DECLS
#define EC_END_DECLS
#endif

#endif /* EC_EXPORT_H */
