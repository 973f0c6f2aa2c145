import Foundation
import VigilCore

/// A real US city used as the synthetic geography.
public struct DemoCity: Sendable, Hashable {
    public let name: String
    /// Two-letter USPS code.
    public let state: String
    /// City centre.
    public let location: GeoPoint
    /// Rough metro population in millions; how likely a client is to live there.
    public let weight: Double

    public init(name: String, state: String, latitude: Double, longitude: Double, weight: Double) {
        self.name = name
        self.state = state
        self.location = GeoPoint(latitude: latitude, longitude: longitude)
        self.weight = weight
    }
}

extension DemoCity {
    /// The cities the demo places clients and merchants in.
    public static let all: [DemoCity] = [
        DemoCity(name: "New York", state: "NY", latitude: 40.7128, longitude: -74.0060, weight: 19.0),
        DemoCity(name: "Los Angeles", state: "CA", latitude: 34.0522, longitude: -118.2437, weight: 13.0),
        DemoCity(name: "Chicago", state: "IL", latitude: 41.8781, longitude: -87.6298, weight: 9.5),
        DemoCity(name: "Houston", state: "TX", latitude: 29.7604, longitude: -95.3698, weight: 7.0),
        DemoCity(name: "Phoenix", state: "AZ", latitude: 33.4484, longitude: -112.0740, weight: 4.8),
        DemoCity(name: "Philadelphia", state: "PA", latitude: 39.9526, longitude: -75.1652, weight: 6.2),
        DemoCity(name: "San Antonio", state: "TX", latitude: 29.4241, longitude: -98.4936, weight: 2.5),
        DemoCity(name: "San Diego", state: "CA", latitude: 32.7157, longitude: -117.1611, weight: 3.3),
        DemoCity(name: "Dallas", state: "TX", latitude: 32.7767, longitude: -96.7970, weight: 6.0),
        DemoCity(name: "San Jose", state: "CA", latitude: 37.3382, longitude: -121.8863, weight: 2.0),
        DemoCity(name: "Austin", state: "TX", latitude: 30.2672, longitude: -97.7431, weight: 2.3),
        DemoCity(name: "Jacksonville", state: "FL", latitude: 30.3322, longitude: -81.6557, weight: 1.6),
        DemoCity(name: "Fort Worth", state: "TX", latitude: 32.7555, longitude: -97.3308, weight: 1.5),
        DemoCity(name: "Columbus", state: "OH", latitude: 39.9612, longitude: -82.9988, weight: 2.1),
        DemoCity(name: "Charlotte", state: "NC", latitude: 35.2271, longitude: -80.8431, weight: 2.6),
        DemoCity(name: "San Francisco", state: "CA", latitude: 37.7749, longitude: -122.4194, weight: 4.7),
        DemoCity(name: "Indianapolis", state: "IN", latitude: 39.7684, longitude: -86.1581, weight: 2.1),
        DemoCity(name: "Seattle", state: "WA", latitude: 47.6062, longitude: -122.3321, weight: 4.0),
        DemoCity(name: "Denver", state: "CO", latitude: 39.7392, longitude: -104.9903, weight: 2.9),
        DemoCity(name: "Washington", state: "DC", latitude: 38.9072, longitude: -77.0369, weight: 6.3),
        DemoCity(name: "Boston", state: "MA", latitude: 42.3601, longitude: -71.0589, weight: 4.9),
        DemoCity(name: "El Paso", state: "TX", latitude: 31.7619, longitude: -106.4850, weight: 0.9),
        DemoCity(name: "Nashville", state: "TN", latitude: 36.1627, longitude: -86.7816, weight: 2.0),
        DemoCity(name: "Detroit", state: "MI", latitude: 42.3314, longitude: -83.0458, weight: 4.3),
        DemoCity(name: "Oklahoma City", state: "OK", latitude: 35.4676, longitude: -97.5164, weight: 1.4),
        DemoCity(name: "Portland", state: "OR", latitude: 45.5152, longitude: -122.6784, weight: 2.5),
        DemoCity(name: "Las Vegas", state: "NV", latitude: 36.1699, longitude: -115.1398, weight: 2.3),
        DemoCity(name: "Memphis", state: "TN", latitude: 35.1495, longitude: -90.0490, weight: 1.3),
        DemoCity(name: "Louisville", state: "KY", latitude: 38.2527, longitude: -85.7585, weight: 1.3),
        DemoCity(name: "Baltimore", state: "MD", latitude: 39.2904, longitude: -76.6122, weight: 2.8),
        DemoCity(name: "Milwaukee", state: "WI", latitude: 43.0389, longitude: -87.9065, weight: 1.6),
        DemoCity(name: "Albuquerque", state: "NM", latitude: 35.0844, longitude: -106.6504, weight: 0.9),
        DemoCity(name: "Tucson", state: "AZ", latitude: 32.2226, longitude: -110.9747, weight: 1.0),
        DemoCity(name: "Fresno", state: "CA", latitude: 36.7378, longitude: -119.7871, weight: 1.0),
        DemoCity(name: "Sacramento", state: "CA", latitude: 38.5816, longitude: -121.4944, weight: 2.4),
        DemoCity(name: "Kansas City", state: "MO", latitude: 39.0997, longitude: -94.5786, weight: 2.2),
        DemoCity(name: "Atlanta", state: "GA", latitude: 33.7490, longitude: -84.3880, weight: 6.1),
        DemoCity(name: "Miami", state: "FL", latitude: 25.7617, longitude: -80.1918, weight: 6.1),
        DemoCity(name: "Raleigh", state: "NC", latitude: 35.7796, longitude: -78.6382, weight: 1.4),
        DemoCity(name: "Omaha", state: "NE", latitude: 41.2565, longitude: -95.9345, weight: 1.0),
        DemoCity(name: "Minneapolis", state: "MN", latitude: 44.9778, longitude: -93.2650, weight: 3.7),
        DemoCity(name: "Tulsa", state: "OK", latitude: 36.1540, longitude: -95.9928, weight: 1.0),
        DemoCity(name: "Cleveland", state: "OH", latitude: 41.4993, longitude: -81.6944, weight: 2.1),
        DemoCity(name: "New Orleans", state: "LA", latitude: 29.9511, longitude: -90.0715, weight: 1.3),
        DemoCity(name: "Tampa", state: "FL", latitude: 27.9506, longitude: -82.4572, weight: 3.2),
        DemoCity(name: "Orlando", state: "FL", latitude: 28.5383, longitude: -81.3792, weight: 2.7),
        DemoCity(name: "Pittsburgh", state: "PA", latitude: 40.4406, longitude: -79.9959, weight: 2.4),
        DemoCity(name: "Cincinnati", state: "OH", latitude: 39.1031, longitude: -84.5120, weight: 2.3),
        DemoCity(name: "St. Louis", state: "MO", latitude: 38.6270, longitude: -90.1994, weight: 2.8),
        DemoCity(name: "Salt Lake City", state: "UT", latitude: 40.7608, longitude: -111.8910, weight: 1.3),
        DemoCity(name: "Boise", state: "ID", latitude: 43.6150, longitude: -116.2023, weight: 0.8),
        DemoCity(name: "Anchorage", state: "AK", latitude: 61.2181, longitude: -149.9003, weight: 0.4),
        DemoCity(name: "Honolulu", state: "HI", latitude: 21.3069, longitude: -157.8583, weight: 1.0),
        DemoCity(name: "Buffalo", state: "NY", latitude: 42.8864, longitude: -78.8784, weight: 1.1),
        DemoCity(name: "Richmond", state: "VA", latitude: 37.5407, longitude: -77.4360, weight: 1.3),
        DemoCity(name: "Birmingham", state: "AL", latitude: 33.5186, longitude: -86.8104, weight: 1.1),
        DemoCity(name: "Charleston", state: "SC", latitude: 32.7765, longitude: -79.9311, weight: 0.8),
        DemoCity(name: "Des Moines", state: "IA", latitude: 41.5868, longitude: -93.6250, weight: 0.7),
        DemoCity(name: "Little Rock", state: "AR", latitude: 34.7465, longitude: -92.2896, weight: 0.75),
        DemoCity(name: "Spokane", state: "WA", latitude: 47.6588, longitude: -117.4260, weight: 0.6),
        DemoCity(name: "Billings", state: "MT", latitude: 45.7833, longitude: -108.5007, weight: 0.2),
        DemoCity(name: "Burlington", state: "VT", latitude: 44.4759, longitude: -73.2121, weight: 0.2),
        DemoCity(name: "Portland", state: "ME", latitude: 43.6591, longitude: -70.2568, weight: 0.55),
        DemoCity(name: "Hartford", state: "CT", latitude: 41.7658, longitude: -72.6734, weight: 1.2),
        DemoCity(name: "Providence", state: "RI", latitude: 41.8240, longitude: -71.4128, weight: 1.6),
        DemoCity(name: "Madison", state: "WI", latitude: 43.0731, longitude: -89.4012, weight: 0.7),
        DemoCity(name: "Sioux Falls", state: "SD", latitude: 43.5446, longitude: -96.7311, weight: 0.3),
        DemoCity(name: "Fargo", state: "ND", latitude: 46.8772, longitude: -96.7898, weight: 0.25),
        DemoCity(name: "Cheyenne", state: "WY", latitude: 41.1400, longitude: -104.8202, weight: 0.1),
        DemoCity(name: "Jackson", state: "MS", latitude: 32.2988, longitude: -90.1848, weight: 0.6),
    ]
}

extension GeoPoint {
    /// A point displaced from this one by up to `maxKm`, uniformly over the disc.
    func jittered(maxKm: Double, using rng: inout DemoRandom) -> GeoPoint {
        let radiusKm = maxKm * rng.uniform().squareRoot()
        let bearing = rng.uniform(0, 2 * .pi)
        let kmPerDegree = GeoPoint.earthRadiusKm * .pi / 180
        let dLat = radiusKm * cos(bearing) / kmPerDegree
        let dLon = radiusKm * sin(bearing) / (kmPerDegree * cos(latitude * .pi / 180))
        let lat = (latitude + dLat) * 1e6
        let lon = (longitude + dLon) * 1e6
        // Six decimals (~0.1 m) keeps stored coordinates short and exactly reproducible.
        return GeoPoint(latitude: lat.rounded() / 1e6, longitude: lon.rounded() / 1e6)
    }
}
